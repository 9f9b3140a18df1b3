//! Case folding for search, done here and nowhere else: SQLite's `lower()`
//! folds ASCII only and Postgres's folds by the database's locale, so text
//! folded by the databases would match differently on each. Stored search
//! text (names, catalog titles) and search terms are both folded by [`fold`].

/// The search form of `text`: Unicode lowercase.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_beyond_ascii() {
        assert_eq!(fold("ÉLODIE Müller"), "élodie müller");
        assert_eq!(fold("ΣΟΦΙΑ"), "σοφια");
    }
}
