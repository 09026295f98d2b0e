//! The words of a ticket search, read in web-search syntax and matched against `ticket_words`
//! (migration 0038: every word stem of a ticket's summary, description and notes):
//!
//! - `kerberos printer` — both words, anywhere in the ticket and its notes (each matched by its
//!   stem: `printers` finds `printer`);
//! - `"reset password"` — the words next to each other, in that order, in one text;
//! - `kerb*` — a word whose stem starts with the stem of `kerb`;
//! - `vpn or wifi` — either (`or` binds closer than the space: `a b or c` is `a and (b or c)`);
//! - `-printer` — without the word (or phrase, or prefix).
//!
//! A search is answered in one of two ways. With at most [`EXACT_UP_TO`] matches, their ids are
//! read from the word index (index-only) and the page is taken from them, by an ordered index when
//! the matches are many and by sorting them when few (the planner sees the ids, so it can tell).
//! With more, each ticket walked in the asked order is checked for the words, and the total stops
//! at [`EXACT_UP_TO`], said as such.

use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::domain::TenantId;

/// Totals of word searches are exact up to this many matches; beyond, they say "at least".
pub const EXACT_UP_TO: i64 = 20_000;

/// One thing to look for.
#[derive(Debug, PartialEq, Eq)]
pub struct Term {
    /// The words as written (one, or a phrase's several).
    pub text: String,
    pub prefix: bool,
    /// Written in quotes: the words must stand together.
    pub phrase: bool,
    pub negated: bool,
    /// The stems PostgreSQL's English configuration makes of `text` (none for a stop word).
    pub stems: Vec<String>,
}

/// Groups joined by AND, each a list of terms joined by OR.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Words {
    pub groups: Vec<Vec<Term>>,
}

/// Reads `q`; words are not stemmed yet (see [`stem`]).
pub fn parse(q: &str) -> Words {
    let mut groups: Vec<Vec<Term>> = Vec::new();
    let mut or_next = false;
    let mut chars = q.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let negated = first == '-';
        if negated {
            chars.next();
        }
        let (text, phrase) = if chars.next_if_eq(&'"').is_some() {
            // A phrase runs to the closing quote, or to the end when there is none.
            (
                chars.by_ref().take_while(|c| *c != '"').collect::<String>(),
                true,
            )
        } else {
            let mut word = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '"') {
                word.push(c);
            }
            (word, false)
        };
        if !phrase && !negated && text.eq_ignore_ascii_case("or") {
            or_next = !groups.is_empty();
            continue;
        }
        let prefix = !phrase && text.ends_with('*');
        let text = if phrase {
            text
        } else {
            text.trim_end_matches('*').to_string()
        };
        if !text.chars().any(char::is_alphanumeric) {
            continue;
        }
        let term = Term {
            text,
            prefix,
            phrase,
            negated,
            stems: Vec::new(),
        };
        match groups.last_mut() {
            Some(group) if or_next => group.push(term),
            _ => groups.push(vec![term]),
        }
        or_next = false;
    }
    Words { groups }
}

/// Stems every term the way the `search` columns were stemmed, and drops terms that are only stop
/// words (`the`), as PostgreSQL's own queries do.
pub async fn stem(conn: &mut PgConnection, mut words: Words) -> Result<Words, sqlx::Error> {
    let texts: Vec<String> = words
        .groups
        .iter()
        .flatten()
        .map(|t| t.text.clone())
        .collect();
    let stems: Vec<Vec<String>> = sqlx::query_scalar(crate::sql!(
        "SELECT coalesce(tsvector_to_array(to_tsvector('english', x.text)), '{}')
         FROM unnest($1::text[]) WITH ORDINALITY AS x(text, n) ORDER BY x.n"
    ))
    .bind(&texts)
    .fetch_all(conn)
    .await?;
    let mut stems = stems.into_iter();
    for group in &mut words.groups {
        for term in group.iter_mut() {
            term.stems = stems.next().unwrap_or_default();
        }
        group.retain(|t| !t.stems.is_empty());
    }
    words.groups.retain(|g| !g.is_empty());
    Ok(words)
}

impl Words {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Groups without a negated term: the tickets each matches can be listed from the index.
    fn listable(&self) -> impl Iterator<Item = &Vec<Term>> {
        self.groups.iter().filter(|g| g.iter().all(|t| !t.negated))
    }

    /// True when some group can be listed (else every ticket must be checked).
    pub fn has_list(&self) -> bool {
        self.listable().next().is_some()
    }

    /// `SELECT ticket_id` of the tickets matching every listable group (only when
    /// [`Words::has_list`]); the other groups are checked by [`Words::push_check`].
    pub fn push_list(&self, q: &mut QueryBuilder<Postgres>, tenant: TenantId) {
        q.push("SELECT ticket_id FROM (");
        for (i, group) in self.listable().enumerate() {
            if i > 0 {
                q.push(" INTERSECT ");
            }
            q.push("(");
            for (j, term) in group.iter().enumerate() {
                if j > 0 {
                    q.push(" UNION ");
                }
                q.push("(");
                term.push_list(q, tenant);
                q.push(")");
            }
            q.push(")");
        }
        q.push(") listed");
    }

    /// A condition on `ticket` (an SQL expression) that holds when the groups [`Words::push_list`]
    /// cannot list also match (or every group, with `all`).
    pub fn push_check(
        &self,
        q: &mut QueryBuilder<Postgres>,
        tenant: TenantId,
        ticket: &str,
        all: bool,
    ) {
        q.push("TRUE");
        for group in &self.groups {
            if !all && group.iter().all(|t| !t.negated) {
                continue;
            }
            q.push(" AND (");
            for (j, term) in group.iter().enumerate() {
                if j > 0 {
                    q.push(" OR ");
                }
                term.push_check(q, tenant, ticket);
            }
            q.push(")");
        }
    }

    /// The positive terms as a `tsquery` text, for ranking by relevance.
    pub fn ranking_query(&self) -> String {
        let groups: Vec<String> = self
            .groups
            .iter()
            .filter_map(|group| {
                let terms: Vec<String> = group
                    .iter()
                    .filter(|t| !t.negated)
                    .map(Term::operand)
                    .collect();
                (!terms.is_empty()).then(|| format!("({})", terms.join(" | ")))
            })
            .collect();
        groups.join(" & ")
    }
}

impl Term {
    /// The prefix's range of words: from its stem to the last text starting with it.
    fn range(&self) -> (String, String) {
        let start = self.stems[0].clone();
        let end = format!("{start}{}", char::MAX);
        (start, end)
    }

    /// `SELECT ticket_id` of the tickets with this term (ignoring negation).
    fn push_list(&self, q: &mut QueryBuilder<Postgres>, tenant: TenantId) {
        if self.prefix {
            let (start, end) = self.range();
            q.push("SELECT DISTINCT ticket_id FROM ticket_words WHERE tenant_id = ")
                .push_bind(tenant)
                .push(" AND word >= ")
                .push_bind(start)
                .push(" AND word < ")
                .push_bind(end);
            return;
        }
        if self.phrase && self.stems.len() > 1 {
            q.push("SELECT c.ticket_id FROM (");
        }
        q.push("SELECT ticket_id FROM ticket_words WHERE tenant_id = ")
            .push_bind(tenant);
        if let [stem] = self.stems.as_slice() {
            q.push(" AND word = ").push_bind(stem.clone());
        } else {
            q.push(" AND word = ANY(")
                .push_bind(self.stems.clone())
                .push(") GROUP BY ticket_id HAVING count(*) = ")
                .push_bind(self.stems.len() as i64);
        }
        if self.phrase && self.stems.len() > 1 {
            q.push(") c WHERE ");
            self.push_in_order(q, tenant, "c.ticket_id");
        }
    }

    /// A condition on `ticket` that holds when it has this term (negation included).
    fn push_check(&self, q: &mut QueryBuilder<Postgres>, tenant: TenantId, ticket: &str) {
        if self.negated {
            q.push("NOT ");
        }
        q.push("(");
        if self.prefix {
            let (start, end) = self.range();
            q.push("EXISTS (SELECT 1 FROM ticket_words w WHERE w.tenant_id = ")
                .push_bind(tenant)
                .push(format!(" AND w.ticket_id = {ticket} AND w.word >= "))
                .push_bind(start)
                .push(" AND w.word < ")
                .push_bind(end)
                .push(")");
        } else {
            q.push("(SELECT count(*) FROM ticket_words w WHERE w.tenant_id = ")
                .push_bind(tenant)
                .push(format!(" AND w.ticket_id = {ticket} AND w.word = ANY("))
                .push_bind(self.stems.clone())
                .push(")) = ")
                .push_bind(self.stems.len() as i64);
            if self.phrase && self.stems.len() > 1 {
                q.push(" AND ");
                self.push_in_order(q, tenant, ticket);
            }
        }
        q.push(")");
    }

    /// The phrase's words stand together in the ticket's own text or in one of its notes.
    fn push_in_order(&self, q: &mut QueryBuilder<Postgres>, tenant: TenantId, ticket: &str) {
        q.push("(EXISTS (SELECT 1 FROM tickets p WHERE p.tenant_id = ")
            .push_bind(tenant)
            .push(format!(
                " AND p.id = {ticket} AND p.search @@ phraseto_tsquery('english', "
            ))
            .push_bind(self.text.clone())
            .push(")) OR EXISTS (SELECT 1 FROM ticket_notes p WHERE p.tenant_id = ")
            .push_bind(tenant)
            .push(format!(
                " AND p.ticket_id = {ticket} AND p.search @@ phraseto_tsquery('english', "
            ))
            .push_bind(self.text.clone())
            .push(")))");
    }

    /// The term as a quoted `tsquery` operand: inside quotes only `'` and `\` mean something, and
    /// both are read as spaces, so no input can break the query's syntax.
    fn operand(&self) -> String {
        let words: String = self
            .text
            .chars()
            .map(|c| if c == '\'' || c == '\\' { ' ' } else { c })
            .collect();
        format!("'{}'{}", words.trim(), if self.prefix { ":*" } else { "" })
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    /// The parse, written back as `!` for not, `*` for prefix, quotes for phrases, `|` for or.
    fn read(q: &str) -> String {
        parse(q)
            .groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|t| {
                        let mut s = String::new();
                        if t.negated {
                            s.push('!');
                        }
                        if t.phrase {
                            s.push_str(&format!("\"{}\"", t.text));
                        } else {
                            s.push_str(&t.text);
                        }
                        if t.prefix {
                            s.push('*');
                        }
                        s
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    #[test]
    fn words_phrases_prefixes_or_and_not() {
        for (q, expected) in [
            ("kerberos", "kerberos"),
            ("  rebooting   router ", "rebooting & router"),
            ("\"reset password\" now", "\"reset password\" & now"),
            ("kerb*", "kerb*"),
            ("kerb** -printer*", "kerb* & !printer*"),
            ("vpn or wifi", "vpn|wifi"),
            ("a b OR c", "a & b|c"),
            ("-\"out of office\"", "!\"out of office\""),
            ("or vpn", "vpn"),
            ("vpn or", "vpn"),
            ("\"unclosed phrase", "\"unclosed phrase\""),
            ("it's a \\'", "it's & a"),
            ("&|!():*<-> 'x'", "'x'"),
            ("", ""),
            (" - \"\" * or ", ""),
        ] {
            assert_eq!(read(q), expected, "{q}");
        }
    }

    #[test]
    fn operands_cannot_break_the_query() {
        let words = parse("it's \\x' kerb*");
        let operands: Vec<String> = words.groups.iter().flatten().map(|t| t.operand()).collect();
        assert_eq!(operands, ["'it s'", "'x'", "'kerb':*"]);
    }
}
