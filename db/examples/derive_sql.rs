//! Prints the derive statement for a whole store (to EXPLAIN it).
fn main() {
    print!(
        "{}",
        db::customers::derive::customers_sql(&db::customers::derive::Scope::store(1), true)
    );
}
