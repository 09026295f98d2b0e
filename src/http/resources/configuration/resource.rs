//! The one handler set every configuration resource is served by: list, create, get, replace,
//! merge-patch, archive and restore, generic over the resource. Each resource says where it lives
//! and what its operations are called ([`Api`]); its OpenAPI operations are built here from that
//! and from the schemas of its input, patch and view types.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    routing::{MethodRouter, get, post},
};
use serde::{Serialize, de::DeserializeOwned};
use utoipa::{
    IntoParams, PartialSchema, ToSchema,
    openapi::{
        Content, Ref, RefOr, Required, ResponseBuilder, Schema,
        path::{
            HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathItemBuilder,
            Paths,
        },
        request_body::RequestBodyBuilder,
        schema::{ObjectBuilder, Type},
    },
};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::{
    auth::extractors::{AdminCaller, SignedIn},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ArchivedQuery, Page},
    },
    service::configuration::Resource,
    state::AppState,
};

/// A configuration resource as the API serves it.
pub trait Exposed:
    Resource<Input: DeserializeOwned + ToSchema, Patch: DeserializeOwned + ToSchema>
{
    /// What every answer shows of a row.
    type View: Serialize + ToSchema + From<Self::Row> + Send + 'static;
    const API: Api;
}

/// Where a resource lives and what its operations are called and say.
pub struct Api {
    /// The collection, e.g. `/priorities`.
    pub path: &'static str,
    /// The id's path parameter, e.g. `priorityId`.
    pub id: &'static str,
    /// The resource in operation ids: `list_{many}`, `create_{one}`, `get_{one}` …
    pub one: &'static str,
    pub many: &'static str,
    pub summaries: Summaries,
}

/// The first line of each operation's description.
pub struct Summaries {
    pub list: &'static str,
    pub create: &'static str,
    pub get: &'static str,
    pub replace: &'static str,
    pub update: &'static str,
    pub archive: &'static str,
    pub restore: &'static str,
}

async fn list<R: Exposed>(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<R::View>>> {
    let rows = R::list(&state, &caller.tenant, query.include()).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

async fn create<R: Exposed>(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<R::Input>,
) -> Result<(StatusCode, Json<R::View>)> {
    let row = R::create(&state, &caller.tenant, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

async fn read<R: Exposed>(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<R::View>> {
    Ok(Json(R::get(&state, &caller.tenant, id).await?.into()))
}

async fn replace<R: Exposed>(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<R::Input>,
) -> Result<Json<R::View>> {
    Ok(Json(
        R::replace(&state, &caller.tenant, id, input).await?.into(),
    ))
}

async fn update<R: Exposed>(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<R::Patch>,
) -> Result<Json<R::View>> {
    Ok(Json(
        R::patch(&state, &caller.tenant, id, patch).await?.into(),
    ))
}

async fn archive<R: Exposed>(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<R::View>> {
    Ok(Json(
        R::set_archived(&state, &caller.tenant, id, true)
            .await?
            .into(),
    ))
}

async fn restore<R: Exposed>(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<R::View>> {
    Ok(Json(
        R::set_archived(&state, &caller.tenant, id, false)
            .await?
            .into(),
    ))
}

/// Every operation of the resource, for admins.
pub fn admin_routes<R: Exposed>() -> OpenApiRouter<AppState> {
    let docs = Docs::of::<R>();
    let item = format!("{}/{{{}}}", R::API.path, R::API.id);
    let handlers = get(read::<R>)
        .put(replace::<R>)
        .patch(update::<R>)
        .delete(archive::<R>);
    OpenApiRouter::new()
        .routes(documented(
            &docs.schemas(),
            R::API.path,
            docs.collection(),
            get(list::<R>).post(create::<R>),
        ))
        .routes(documented(&[], &item, docs.item(), handlers))
        .routes(documented(
            &[],
            &format!("{item}/restore"),
            docs.restoring(),
            post(restore::<R>),
        ))
}

/// A resource's operations as OpenAPI describes them.
struct Docs {
    api: &'static Api,
    view: Body,
    page: Body,
    input: Body,
    patch: Body,
}

impl Docs {
    fn of<R: Exposed>() -> Self {
        Self {
            api: &R::API,
            view: Body::of::<R::View>(),
            page: Body::page_of::<R::View>(),
            input: Body::of::<R::Input>(),
            patch: Body::of::<R::Patch>(),
        }
    }

    fn schemas(&self) -> Vec<(String, RefOr<Schema>)> {
        [&self.view, &self.page, &self.input, &self.patch]
            .into_iter()
            .flat_map(|b| b.schemas.iter().cloned())
            .collect()
    }

    /// `GET` (list) and `POST` (create) on the collection.
    fn collection(&self) -> PathItem {
        let (api, s) = (self.api, &self.api.summaries);
        let list = operation("list", api.many, s.list).query::<ArchivedQuery>();
        let create = operation("create", api.one, s.create).body(&self.input);
        PathItemBuilder::new()
            .operation(HttpMethod::Get, list.answers("200", &self.page))
            .operation(HttpMethod::Post, create.answers("201", &self.view))
            .build()
    }

    /// `GET`, `PUT`, `PATCH` and `DELETE` (archive) on one item.
    fn item(&self) -> PathItem {
        let s = &self.api.summaries;
        let view = &self.view;
        PathItemBuilder::new()
            .operation(HttpMethod::Get, self.one("get", s.get).answers("200", view))
            .operation(
                HttpMethod::Put,
                self.one("replace", s.replace)
                    .body(&self.input)
                    .answers("200", view),
            )
            .operation(
                HttpMethod::Patch,
                self.one("update", s.update)
                    .body(&self.patch)
                    .answers("200", view),
            )
            .operation(
                HttpMethod::Delete,
                self.one("archive", s.archive).answers("200", view),
            )
            .build()
    }

    /// `POST …/restore`.
    fn restoring(&self) -> PathItem {
        let restore = self.one("restore", self.api.summaries.restore);
        PathItem::new(HttpMethod::Post, restore.answers("200", &self.view))
    }

    fn one(&self, verb: &str, summary: &str) -> OperationBuilder {
        operation(verb, self.api.one, summary).path_id(self.api.id)
    }
}

/// Only the list, for those who file and triage tickets.
pub fn read_routes<R: Exposed>() -> OpenApiRouter<AppState> {
    let api = &R::API;
    let page = Body::page_of::<R::View>();
    let collection = PathItem::new(
        HttpMethod::Get,
        operation("list", api.many, api.summaries.list)
            .query::<ArchivedQuery>()
            .answers("200", &page),
    );
    OpenApiRouter::new().routes(documented(
        &page.schemas,
        api.path,
        collection,
        get(list::<R>),
    ))
}

fn documented(
    schemas: &[(String, RefOr<Schema>)],
    path: &str,
    item: PathItem,
    handlers: MethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    let mut paths = Paths::new();
    paths.paths.insert(path.to_string(), item);
    (schemas.to_vec(), paths, handlers)
}

/// A JSON body named in the components: its reference, and the schemas it brings.
struct Body {
    reference: Ref,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Body {
    fn of<T: ToSchema>() -> Self {
        let mut schemas = vec![(T::name().to_string(), T::schema())];
        T::schemas(&mut schemas);
        Self {
            reference: Ref::from_schema_name(T::name()),
            schemas,
        }
    }

    /// `Page<T>` under the name utoipa gives a generic, `Page_{T}`; its items refer to `T`.
    fn page_of<T: ToSchema>() -> Self {
        let name = format!("Page_{}", T::name());
        let mut schemas = vec![
            (name.clone(), Page::<T>::schema()),
            (T::name().to_string(), T::schema()),
        ];
        T::schemas(&mut schemas);
        Self {
            reference: Ref::from_schema_name(name),
            schemas,
        }
    }
}

fn operation(verb: &str, noun: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(format!("{verb}_{noun}")))
        .summary(Some(summary))
}

/// The builder steps the configuration operations share.
trait OperationSteps: Sized {
    fn path_id(self, name: &str) -> Self;
    fn query<P: IntoParams>(self) -> Self;
    fn body(self, body: &Body) -> Self;
    fn answers(self, status: &str, body: &Body) -> Self;
}

impl OperationSteps for OperationBuilder {
    fn path_id(self, name: &str) -> Self {
        let integer = ObjectBuilder::new().schema_type(Type::Integer).format(Some(
            utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int32),
        ));
        self.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(integer)),
        )
    }

    fn query<P: IntoParams>(self) -> Self {
        self.parameters(Some(P::into_params(|| Some(ParameterIn::Query))))
    }

    fn body(self, body: &Body) -> Self {
        self.request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    Content::new(Some(body.reference.clone())),
                )
                .required(Some(Required::True))
                .build(),
        ))
    }

    fn answers(self, status: &str, body: &Body) -> Self {
        self.response(
            status,
            ResponseBuilder::new()
                .content(
                    "application/json",
                    Content::new(Some(body.reference.clone())),
                )
                .build(),
        )
    }
}
