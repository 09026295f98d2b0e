//! Bulk generation of realistic helpdesk data for benchmarks (`deskd seed`). Rows are generated
//! inside PostgreSQL with `generate_series`, so a million tickets take minutes, not hours. Values
//! are picked by hashing the row number: the same arguments give the same data.

use sqlx::PgConnection;

use crate::{domain::TenantId, sql};

/// Reserves `count` ids of `entity` and answers the last id used before them.
pub async fn reserve_ids(
    conn: &mut PgConnection,
    tenant: TenantId,
    entity: &str,
    count: i64,
) -> Result<i32, sqlx::Error> {
    let last: i32 = sqlx::query_scalar(sql!(
        "INSERT INTO id_counters (tenant_id, entity, last_value) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, entity) DO UPDATE SET last_value = id_counters.last_value + $3
         RETURNING last_value"
    ))
    .bind(tenant)
    .bind(entity)
    .bind(count as i32)
    .fetch_one(conn)
    .await?;
    Ok(last - count as i32)
}

/// Reserves `count` ticket or note numbers from the tenant's sequence (migration 0032) and answers
/// the last number used before them. Meant for a tenant nobody is writing to meanwhile: a number
/// taken between the two steps would be given twice (and the batch's insert would fail).
pub async fn reserve_numbers(
    conn: &mut PgConnection,
    tenant: TenantId,
    entity: &str,
    count: i64,
) -> Result<i32, sqlx::Error> {
    if count <= 0 {
        return Ok(0);
    }
    let last: i64 = sqlx::query_scalar(sql!(
        "SELECT setval(s, nextval(s) + $3 - 1)
         FROM (SELECT format('ids_%s_%s', $2::text, $1::bigint)::regclass AS s) seq"
    ))
    .bind(tenant)
    .bind(entity)
    .bind(count)
    .fetch_one(conn)
    .await?;
    Ok((last - count) as i32)
}

/// `hash(n, salt)`: a well-spread non-negative number for row `n`.
macro_rules! hash {
    () => {
        "CREATE OR REPLACE FUNCTION pg_temp.h(n bigint, salt int) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$ SELECT abs(hashint8(n * 31 + salt))::bigint $$"
    };
}

async fn hash_function(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(hash!())).execute(conn).await?;
    Ok(())
}

pub async fn companies(
    conn: &mut PgConnection,
    tenant: TenantId,
    first_id: i32,
    count: i64,
) -> Result<u64, sqlx::Error> {
    hash_function(conn).await?;
    let done = sqlx::query(sql!("INSERT INTO companies (tenant_id, id, name, identifier)
         SELECT $1, $2 + g,
                (ARRAY['Northwind','Contoso','Fabrikam','Tailspin','Wingtip','Adventure','Litware',
                       'Proseware','Lucerne','Margie','Coho','Alpine','Blue Yonder','Trey','Woodgrove',
                       'Humongous','Fourth Coffee','Wide World','Graphic Design','City Power'])
                    [1 + pg_temp.h(g, 1) % 20]
                || ' ' || (ARRAY['Traders','Logistics','Dental','Legal','Accounting','Builders',
                                 'Medical','Engineering','Foods','Motors','Realty','Studios'])
                    [1 + pg_temp.h(g, 2) % 12]
                || ' ' || ($2 + g),
                'SEED-' || ($2 + g)
         FROM generate_series(1, $3::bigint) g"))
    .bind(tenant)
    .bind(first_id)
    .bind(count)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Contacts spread over the tenant's live companies; one in 20 sees the company's tickets, one in
/// 50 approves.
pub async fn contacts(
    conn: &mut PgConnection,
    tenant: TenantId,
    first_id: i32,
    count: i64,
) -> Result<u64, sqlx::Error> {
    hash_function(conn).await?;
    let done = sqlx::query(sql!("WITH co AS (
             SELECT id, row_number() OVER (ORDER BY id) AS rn, count(*) OVER () AS n
             FROM companies WHERE tenant_id = $1 AND archived_at IS NULL),
         g AS (
             SELECT g, (ARRAY['Olivia','Liam','Emma','Noah','Ava','Oliver','Mia','Elijah','Sophia',
                              'Lucas','Isla','Mason','Chloe','Leo','Grace','Jack','Ruby','Henry',
                              'Zoe','Arjun','Mei','Tomás','Aisha','Sven'])[1 + pg_temp.h(g, 3) % 24] AS first,
                       (ARRAY['Smith','Nguyen','Williams','Brown','Wilson','Taylor','Jones','Singh',
                              'Martin','Chen','Kelly','Walker','Hall','Young','King','Lee','Wright',
                              'Patel','Murphy','Schmidt'])[1 + pg_temp.h(g, 4) % 20] AS last
             FROM generate_series(1, $3::bigint) g)
         INSERT INTO contacts (tenant_id, id, company_id, email, first_name, last_name,
                               sees_company_tickets, is_approver)
         SELECT $1, $2 + g.g, co.id,
                lower(g.first || '.' || g.last || '.' || ($2 + g.g)) || '@customer' || co.id || '.example',
                g.first, g.last, g.g % 20 = 0, g.g % 50 = 0
         FROM g JOIN co ON co.rn = 1 + pg_temp.h(g.g, 5) % co.n"))
    .bind(tenant)
    .bind(first_id)
    .bind(count)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Technicians without passwords, for assignments and internal notes.
pub async fn members(
    conn: &mut PgConnection,
    tenant: TenantId,
    first_id: i32,
    count: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(sql!(
        "INSERT INTO members (tenant_id, id, email, first_name, last_name, role)
         SELECT $1, $2 + g, 'tech' || ($2 + g) || '@seed.example', 'Tech', ($2 + g)::text, 'tech'
         FROM generate_series(1, $3::bigint) g"
    ))
    .bind(tenant)
    .bind(first_id)
    .bind(count)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Numbers the tenant's live contacts and queues (with their open and closed statuses) in temporary
/// tables, so each ticket picks its own with a plain equality join; answers how many there are.
pub async fn ticket_sources(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<(i64, i64), sqlx::Error> {
    for statement in [
        "DROP TABLE IF EXISTS pg_temp.seed_contacts, pg_temp.seed_queues",
        "CREATE TEMP TABLE seed_contacts AS
         SELECT row_number() OVER (ORDER BY id) AS rn, id, company_id
         FROM contacts WHERE tenant_id = $1 AND archived_at IS NULL",
        "CREATE TEMP TABLE seed_queues AS
         SELECT row_number() OVER (ORDER BY id) AS rn, * FROM (
             SELECT q.id,
                    array_agg(s.id ORDER BY s.sort_order, s.id) FILTER (WHERE NOT s.is_closed AND s.approval_role IS NULL) AS open_ids,
                    array_agg(s.id ORDER BY s.sort_order, s.id) FILTER (WHERE s.is_closed AND s.approval_role IS NULL) AS closed_ids
             FROM queues q JOIN statuses s ON s.tenant_id = q.tenant_id AND s.queue_id = q.id AND s.archived_at IS NULL
             WHERE q.tenant_id = $1 AND q.archived_at IS NULL
             GROUP BY q.id) x
         WHERE open_ids IS NOT NULL AND closed_ids IS NOT NULL",
        "ALTER TABLE seed_contacts ADD PRIMARY KEY (rn)",
        "ALTER TABLE seed_queues ADD PRIMARY KEY (rn)",
        "ANALYZE seed_contacts, seed_queues",
    ] {
        let query = sqlx::query(statement);
        let query = if statement.contains("$1") {
            query.bind(tenant)
        } else {
            query
        };
        query.execute(&mut *conn).await?;
    }
    let contacts: i64 = sqlx::query_scalar(sql!("SELECT count(*) FROM seed_contacts"))
        .fetch_one(&mut *conn)
        .await?;
    let queues: i64 = sqlx::query_scalar(sql!("SELECT count(*) FROM seed_queues"))
        .fetch_one(&mut *conn)
        .await?;
    Ok((contacts, queues))
}

/// One batch of generated tickets: where its ids and rows start, and what they are drawn from.
pub struct TicketBatch {
    pub first_id: i32,
    pub count: i64,
    /// How many tickets earlier batches wrote (rows are numbered across batches).
    pub position: i64,
    /// The tickets of all batches, which spread over `days`.
    pub total: i64,
    pub days: i64,
    /// The average number of notes per ticket.
    pub comments: i64,
    pub first_note_id: i32,
    /// (open statuses, closed statuses) available, from `ticket_sources`.
    pub sources: (i64, i64),
}

/// One batch of tickets `first_id + 1 ..= first_id + count`, the rows `position + 1 ..` of `total`
/// spread over the `days` before now (ids grow with time). Four in five are closed; seven in ten are assigned to a technician. Each
/// gets its `created` activity and about `comments` notes (a fifth of them internal). One word of
/// a hundred objects appears in each summary, so any such word is in about 1% of tickets.
pub async fn tickets(
    conn: &mut PgConnection,
    tenant: TenantId,
    batch: &TicketBatch,
) -> Result<u64, sqlx::Error> {
    draw_tickets(conn, tenant, batch).await?;
    let written = write_tickets(conn, tenant).await?;
    write_notes(conn, tenant, batch).await?;
    Ok(written)
}

/// The batch's rows, drawn into the session's `seed_tickets` table.
async fn draw_tickets(
    conn: &mut PgConnection,
    tenant: TenantId,
    batch: &TicketBatch,
) -> Result<(), sqlx::Error> {
    hash_function(conn).await?;
    sqlx::query(sql!("DROP TABLE IF EXISTS pg_temp.seed_tickets"))
        .execute(&mut *conn)
        .await?;
    sqlx::query(sql!("CREATE TEMP TABLE seed_tickets AS
         WITH p AS (SELECT array_agg(id ORDER BY sort_order) AS ids FROM priorities WHERE tenant_id = $1 AND archived_at IS NULL),
         so AS (SELECT array_agg(id ORDER BY id) AS ids FROM sources WHERE tenant_id = $1 AND archived_at IS NULL),
         m AS (SELECT array_agg(id ORDER BY id) AS ids FROM members WHERE tenant_id = $1 AND archived_at IS NULL AND role = 'tech'),
         g AS (SELECT $4 + s AS g, $2 + s AS id,
                      1 + pg_temp.h($4 + s, 17) % $7 AS queue_rn, 1 + pg_temp.h($4 + s, 18) % $8 AS contact_rn,
                      now() - make_interval(secs => ($6::float8 * 86400) * (1 - ($4 + s)::float8 / $5)) AS created
               FROM generate_series(1, $3::bigint) s)
         SELECT g.id, g.g, g.created,
                least(now(), g.created + make_interval(secs => pg_temp.h(g.g, 6) % (5 * 86400))) AS updated,
                pg_temp.h(g.g, 7) % 10 < 8 AS closed,
                q.id AS queue_id,
                CASE WHEN pg_temp.h(g.g, 7) % 10 < 8
                     THEN q.closed_ids[1 + pg_temp.h(g.g, 8) % cardinality(q.closed_ids)]
                     ELSE q.open_ids[1 + pg_temp.h(g.g, 8) % cardinality(q.open_ids)] END AS status_id,
                p.ids[1 + pg_temp.h(g.g, 9) % cardinality(p.ids)] AS priority_id,
                so.ids[1 + pg_temp.h(g.g, 10) % cardinality(so.ids)] AS source_id,
                c.id AS contact_id, c.company_id,
                CASE WHEN pg_temp.h(g.g, 11) % 10 < 7 AND cardinality(m.ids) > 0
                     THEN m.ids[1 + pg_temp.h(g.g, 12) % cardinality(m.ids)] END AS member_id,
                (ARRAY['Cannot open','Error in','Slow','Need access to','Please reset','Crash in',
                       'Upgrade','New','Broken','Question about','Install','Sync fails for',
                       'Licence for'])[1 + pg_temp.h(g.g, 13) % 13]
                || ' ' || (ARRAY['Outlook','Teams','SharePoint','OneDrive','Excel','Word','VPN','printer',
                      'laptop','monitor','keyboard','mouse','Wi-Fi','router','firewall','Xero','MYOB',
                      'Salesforce','HubSpot','Zoom','Slack','Dropbox','Chrome','Firefox','Edge','Windows',
                      'macOS','iPhone','Android','iPad','scanner','phone','headset','webcam','docking',
                      'BitLocker','Defender','Intune','Azure','AWS','backup','NAS','server','database',
                      'QuickBooks','Adobe','Acrobat','Photoshop','AutoCAD','Revit','SAP','Oracle',
                      'Citrix','RDP','Okta','Duo','LastPass','Bitwarden','Jira','Confluence','GitHub',
                      'Zendesk','Freshdesk','Mailchimp','Shopify','WordPress','Squarespace','GoDaddy',
                      'Cloudflare','DNS','DHCP','Active Directory','Entra','Exchange','mailbox',
                      'calendar','signature','shared drive','permissions','password','MFA','badge',
                      'door access','CCTV','UPS','switch','cabling','projector','TV','kiosk','POS',
                      'EFTPOS','label printer','barcode','tablet','smartwatch','Kerberos','Sage',
                      'Payroll','Timesheets'])[1 + pg_temp.h(g.g, 14) % 100] AS summary,
                (ARRAY['Since this morning it','After the update it','Every few minutes it',
                       'For the whole team it','Only on my machine it'])[1 + pg_temp.h(g.g, 15) % 5]
                || ' ' || (ARRAY['shows an error and closes.','asks for my password again.',
                       'is extremely slow.','will not connect.','says I have no permission.'])
                       [1 + pg_temp.h(g.g, 16) % 5]
                || E'\\n\\nSteps tried: restarted, signed out and in again.' AS description
         FROM g
         JOIN seed_queues q ON q.rn = g.queue_rn
         JOIN seed_contacts c ON c.rn = g.contact_rn
         CROSS JOIN p CROSS JOIN so CROSS JOIN m"))
    .bind(tenant)
    .bind(batch.first_id)
    .bind(batch.count)
    .bind(batch.position)
    .bind(batch.total.max(1))
    .bind(batch.days)
    .bind(batch.sources.1)
    .bind(batch.sources.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The drawn tickets, their assignees and their `created` activities; answers how many tickets.
async fn write_tickets(conn: &mut PgConnection, tenant: TenantId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(sql!("INSERT INTO tickets (tenant_id, id, summary, description, queue_id, status_id, priority_id,
                              source_id, contact_id, company_id, is_closed, created_at, updated_at, closed_at)
         SELECT $1, id, summary, description, queue_id, status_id, priority_id, source_id,
                contact_id, company_id, closed, created, updated, CASE WHEN closed THEN updated END
         FROM seed_tickets ORDER BY id"))
    .bind(tenant)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "INSERT INTO ticket_assignees (tenant_id, ticket_id, member_id, assigned_at)
         SELECT $1, id, member_id, created FROM seed_tickets WHERE member_id IS NOT NULL"
    ))
    .bind(tenant)
    .execute(&mut *conn)
    .await?;
    // Analytics facts: assigned tickets were answered 90 minutes in (every minute counted).
    sqlx::query(sql!(
        "INSERT INTO ticket_facts (tenant_id, ticket_id, created_at, queue_id, company_id, member_id,
                first_assigned_at, first_response_at, first_response_secs, closed_at, resolution_secs)
         SELECT $1, id, created, queue_id, company_id, member_id,
                CASE WHEN member_id IS NOT NULL THEN created END,
                CASE WHEN member_id IS NOT NULL THEN least(updated, created + interval '90 minutes') END,
                CASE WHEN member_id IS NOT NULL
                     THEN extract(epoch FROM least(updated, created + interval '90 minutes') - created)::bigint END,
                CASE WHEN closed THEN updated END,
                CASE WHEN closed THEN extract(epoch FROM updated - created)::bigint END
         FROM seed_tickets ORDER BY id"
    ))
    .bind(tenant)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sql!("INSERT INTO ticket_activities (tenant_id, ticket_id, kind, actor_kind, actor_id, actor_name, created_at)
         SELECT $1, t.id, 'created', 'contact', t.contact_id::text, 'Contact ' || t.contact_id, t.created
         FROM seed_tickets t ORDER BY t.id"))
    .bind(tenant)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Between 0 and 2 × `comments` notes per ticket; their ids continue from `first_note_id`.
async fn write_notes(
    conn: &mut PgConnection,
    tenant: TenantId,
    batch: &TicketBatch,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("INSERT INTO ticket_notes (tenant_id, id, ticket_id, body, is_internal, author_kind,
                                   author_id, author_name, created_at, updated_at)
         SELECT $1, $2 + row_number() OVER (ORDER BY t.id, k)::int, t.id,
                (ARRAY['Thanks, I will try that now.','Still happening after the restart.',
                       'I have reset your credentials; please sign in again.',
                       'Could you send a screenshot of the error?','It works now, thank you!',
                       'Escalated to the vendor, waiting on their reply.',
                       'Remote session finished, cache cleared and profile rebuilt.',
                       'The licence was reassigned to the new user.'])[1 + pg_temp.h(t.g * 16 + k, 19) % 8],
                internal, CASE WHEN by_member THEN 'member' ELSE 'contact' END,
                CASE WHEN by_member THEN coalesce(t.member_id, 1)::text ELSE t.contact_id::text END,
                CASE WHEN by_member THEN 'Technician' ELSE 'Contact ' || t.contact_id END,
                least(now(), t.created + make_interval(mins => k * 90)),
                least(now(), t.created + make_interval(mins => k * 90))
         FROM seed_tickets t
         CROSS JOIN LATERAL generate_series(1, (pg_temp.h(t.g, 20) % (2 * $3 + 1))::int) k
         CROSS JOIN LATERAL (SELECT pg_temp.h(t.g * 16 + k, 21) % 5 = 0 AS internal,
                                    k % 2 = 0 OR pg_temp.h(t.g * 16 + k, 21) % 5 = 0 AS by_member) a"))
    .bind(tenant)
    .bind(batch.first_note_id)
    .bind(batch.comments)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many notes the next batch will write, so their ids can be reserved first.
pub async fn note_count(
    conn: &mut PgConnection,
    first_g: i64,
    count: i64,
    comments: i64,
) -> Result<i64, sqlx::Error> {
    hash_function(conn).await?;
    sqlx::query_scalar(sql!(
        "SELECT coalesce(sum(pg_temp.h(g, 20) % (2 * $3 + 1)), 0)::bigint
         FROM generate_series($1::bigint, $2::bigint) g"
    ))
    .bind(first_g)
    .bind(first_g + count - 1)
    .bind(comments)
    .fetch_one(conn)
    .await
}

/// Fresh statistics for the people tables, so the ticket statements plan well.
pub async fn analyze_people(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("ANALYZE companies, contacts, members"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Vacuumed, not just analysed: index-only scans (list counts) need the visibility map.
pub async fn vacuum(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "VACUUM (ANALYZE) companies, contacts, members, tickets, ticket_notes, ticket_assignees, ticket_words"
    ))
    .execute(conn)
    .await?;
    Ok(())
}
