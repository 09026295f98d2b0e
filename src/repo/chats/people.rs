//! The people of a session (creator, invited, active, left), with the names and companies a
//! `ChatUser` shows.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{domain::TenantId, sql};

/// Someone in a chat, with what the `User` shape shows of them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChatUserRow {
    pub user_kind: String,
    pub user_id: i32,
    /// `invited`, `active` or `left`; `creator` for the creator row of [`person`].
    pub state: String,
    pub joined_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    pub name: String,
    pub company_id: Option<i32>,
    pub company_name: Option<String>,
    pub company_identifier: Option<String>,
}

/// The name and company of the contact or member `u` (`tenant_id`, `user_kind`, `user_id`), as chat
/// users show them: a lateral subquery.
macro_rules! person_of_u {
    () => {
        "
    SELECT coalesce(trim(c.first_name || ' ' || c.last_name), trim(m.first_name || ' ' || m.last_name), '') AS name,
           co.id AS company_id, co.name AS company_name, co.identifier AS company_identifier
    FROM (SELECT 1) one
    LEFT JOIN contacts c ON u.user_kind = 'contact' AND c.tenant_id = u.tenant_id AND c.id = u.user_id
    LEFT JOIN companies co ON co.tenant_id = u.tenant_id AND co.id = c.company_id
    LEFT JOIN members m ON u.user_kind = 'member' AND m.tenant_id = u.tenant_id AND m.id = u.user_id"
    };
}

/// Puts someone in a chat as `state` (`invited`, `active` or `left`). Inviting never demotes someone
/// already active; joining remembers when they first joined.
pub async fn set_user(
    conn: &mut PgConnection,
    tenant: TenantId,
    session: &str,
    who: (&str, i32),
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("INSERT INTO chat_users (tenant_id, session_id, user_kind, user_id, state, joined_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'active' THEN now() END)
         ON CONFLICT (tenant_id, session_id, user_kind, user_id) DO UPDATE
         SET state = CASE WHEN $5 = 'invited' AND chat_users.state = 'active' THEN 'active' ELSE $5 END,
             joined_at = CASE WHEN $5 = 'active' THEN coalesce(chat_users.joined_at, now())
                              ELSE chat_users.joined_at END,
             left_at = CASE WHEN $5 = 'left' THEN now() END"))
    .bind(tenant)
    .bind(session)
    .bind(who.0)
    .bind(who.1)
    .bind(state)
    .execute(conn)
    .await?;
    Ok(())
}

/// Everyone in the session, in the order they were added.
pub async fn users(
    conn: &mut PgConnection,
    tenant: TenantId,
    session: &str,
) -> Result<Vec<ChatUserRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT u.user_kind, u.user_id, u.state, u.joined_at, u.left_at, p.*
         FROM chat_users u CROSS JOIN LATERAL (",
        person_of_u!(),
        ") p
         WHERE u.tenant_id = $1 AND u.session_id = $2
         ORDER BY u.added_at, u.user_kind, u.user_id"
    ))
    .bind(tenant)
    .bind(session)
    .fetch_all(conn)
    .await
}

/// A contact or member as a chat user (state `creator`), whether or not they are in a chat.
pub async fn person(
    conn: &mut PgConnection,
    tenant: TenantId,
    who: (&str, i32),
) -> Result<ChatUserRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT u.user_kind, u.user_id, 'creator' AS state,
                NULL::timestamptz AS joined_at, NULL::timestamptz AS left_at, p.*
         FROM (SELECT $1::bigint AS tenant_id, $2::text AS user_kind, $3::int AS user_id) u
         CROSS JOIN LATERAL (",
        person_of_u!(),
        ") p"
    ))
    .bind(tenant)
    .bind(who.0)
    .bind(who.1)
    .fetch_one(conn)
    .await
}
