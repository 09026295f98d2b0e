//! Every static SQL statement deskd runs is written through [`sql!`](crate::sql): the text is a
//! compile-time constant, and the macro also records it in [`STATEMENTS`] at link time, so the
//! test suite prepares each one against the migrated schema (`tests/api/sql.rs`). A statement
//! whose text depends on input is built with `sqlx::QueryBuilder` instead, never by formatting.

/// The text of every statement written with `sql!`, in no particular order.
#[linkme::distributed_slice]
pub static STATEMENTS: [&'static str];

/// A static statement: the concatenation of its parts (string literals, or macros that expand to
/// them, such as a table's column list), as a `&'static str` recorded in [`STATEMENTS`].
#[macro_export]
macro_rules! sql {
    ($($part:expr),+ $(,)?) => {{
        const TEXT: &str = concat!($($part),+);
        #[linkme::distributed_slice($crate::db::sql::STATEMENTS)]
        static STATEMENT: &str = TEXT;
        TEXT
    }};
}

/// One static statement per value of `$value`: each pattern's name is put between `$before` and
/// `$after`, so a statement that differs only by table name is still one checked statement per
/// table (see `repo::configuration::Table`).
#[macro_export]
macro_rules! sql_by {
    ($value:expr, { $($pattern:pat => $name:literal),+ $(,)? }, $before:literal, $after:literal) => {
        match $value {
            $($pattern => $crate::sql!($before, $name, $after),)+
        }
    };
}
