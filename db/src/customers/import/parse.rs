//! Reading a contacts CSV: which column is which (from the header row, any
//! case, common synonyms), then each row checked into a [`Contact`] or a
//! [`Rejected`] row with its reason. Pure: no database, so the preview and
//! the import read a file the same way.
//!
//! Rows are numbered as a spreadsheet shows them: the header is row 1 and a
//! row keeps its number even when a quoted field spans several lines.

use std::collections::HashMap;

use csv::{ByteRecord, ReaderBuilder};
use serde::{Deserialize, Serialize};

use domain::customer::Consent;

use crate::{
    Error, Result,
    customers::tags::TagName,
    validate::{Email, MAX_NAME_LEN, Name},
};

/// Most tags one row may carry.
pub const MAX_TAGS_PER_ROW: usize = 20;

/// Which column holds what (0-based), as detected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// The first row names the columns (else it is data).
    pub has_header: bool,
    /// The first row as read (the header, or the first data row).
    pub headers: Vec<String>,
    pub email: usize,
    pub name: Option<usize>,
    /// Used when there is no full-name column: "first last".
    pub first_name: Option<usize>,
    pub last_name: Option<usize>,
    /// Tags separated by `;` or `|`.
    pub tags: Option<usize>,
    /// Email consent: yes/no, subscribed/unsubscribed, true/false, 1/0.
    #[serde(default)]
    pub consent: Option<usize>,
}

/// A row that can be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub row: u64,
    pub email: Email,
    pub name: Option<Name>,
    pub tags: Vec<TagName>,
    /// Subscribed or unsubscribed; `None`: the file does not say.
    pub consent: Option<Consent>,
}

/// A row that cannot, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    pub row: u64,
    pub reason: String,
}

/// One data row, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Contact(Contact),
    Rejected(Rejected),
}

/// The column a header names, by its letters and digits in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Email,
    Name,
    FirstName,
    LastName,
    Tags,
    Consent,
}

fn column_of(header: &str) -> Option<Column> {
    let key: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    Some(match key.as_str() {
        "email" | "emailaddress" | "mail" | "emailadress" | "mailaddress" | "courriel" => {
            Column::Email
        }
        "name" | "fullname" | "contactname" | "customername" | "displayname" | "nom" => {
            Column::Name
        }
        "firstname" | "first" | "givenname" | "forename" | "prenom" | "prénom" => {
            Column::FirstName
        }
        "lastname" | "last" | "surname" | "familyname" => Column::LastName,
        "tags" | "tag" | "labels" | "label" | "segments" | "groups" => Column::Tags,
        "consent"
        | "emailconsent"
        | "marketingconsent"
        | "subscribed"
        | "optin"
        | "optedin"
        | "newsletter"
        | "acceptsemailmarketing"
        | "acceptsmarketing"
        | "emailmarketing" => Column::Consent,
        _ => return None,
    })
}

/// Detects the mapping from the first row: a header naming an email column,
/// or (no header) a first row whose cell holds an email address, read as
/// `name, email, tags` around it.
pub fn detect(first: &[String]) -> Result<ColumnMapping> {
    let mut mapping = ColumnMapping {
        has_header: true,
        headers: first.to_vec(),
        email: 0,
        name: None,
        first_name: None,
        last_name: None,
        tags: None,
        consent: None,
    };
    let mut email = None;
    for (i, header) in first.iter().enumerate() {
        let slot = match column_of(header) {
            Some(Column::Email) => &mut email,
            Some(Column::Name) => &mut mapping.name,
            Some(Column::FirstName) => &mut mapping.first_name,
            Some(Column::LastName) => &mut mapping.last_name,
            Some(Column::Tags) => &mut mapping.tags,
            Some(Column::Consent) => &mut mapping.consent,
            None => continue,
        };
        slot.get_or_insert(i);
    }
    if let Some(email) = email {
        mapping.email = email;
        return Ok(mapping);
    }
    let Some(email) = first
        .iter()
        .position(|cell| Email::parse("email", cell).is_ok())
    else {
        return Err(Error::invalid(
            "file",
            "no email column: the first row should name the columns (name, email, tags)",
        ));
    };
    let others: Vec<usize> = (0..first.len()).filter(|&i| i != email).collect();
    Ok(ColumnMapping {
        has_header: false,
        email,
        name: others.first().copied(),
        tags: others.get(1).copied(),
        ..mapping
    })
}

/// The rows of a file, read one at a time; duplicates of an earlier row's
/// email (any case) are rejected here.
pub struct Rows<'a> {
    data: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    mapping: ColumnMapping,
    record: ByteRecord,
    /// Normalised email -> the row that had it first.
    seen: HashMap<String, u64>,
    /// The first row, still to be read as data (no header), and its line.
    pending: Option<(ByteRecord, u64)>,
}

impl<'a> Rows<'a> {
    /// Opens a file (a UTF-8 byte order mark is skipped) and detects its
    /// columns.
    pub fn open(data: &'a [u8]) -> Result<Rows<'a>> {
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        let reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut rows = Rows {
            data,
            reader,
            mapping: ColumnMapping::default(),
            record: ByteRecord::new(),
            seen: HashMap::new(),
            pending: None,
        };
        let (first, line) = match rows.read() {
            Ok(Some(read)) => read,
            Ok(None) => return Err(Error::invalid("file", "is empty")),
            Err(e) => return Err(Error::invalid("file", format!("is not a CSV file: {e}"))),
        };
        let cells: Vec<String> = first
            .iter()
            .map(|cell| String::from_utf8_lossy(cell).trim().to_string())
            .collect();
        rows.mapping = detect(&cells)?;
        if !rows.mapping.has_header {
            rows.pending = Some((first, line));
        }
        Ok(rows)
    }

    pub fn mapping(&self) -> &ColumnMapping {
        &self.mapping
    }

    /// The next record and the line it starts on (blank lines, which the
    /// reader skips, and line breaks inside quoted fields counted).
    fn read(&mut self) -> csv::Result<Option<(ByteRecord, u64)>> {
        if !self.reader.read_byte_record(&mut self.record)? {
            return Ok(None);
        }
        let end = self.reader.position();
        let terminated = end.byte() > 0 && self.data.get(end.byte() as usize - 1) == Some(&b'\n');
        let inner = self
            .record
            .as_slice()
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        let line = end
            .line()
            .saturating_sub(inner + u64::from(terminated))
            .max(1);
        Ok(Some((self.record.clone(), line)))
    }

    /// The next data row, `None` at the end. Rows of empty cells are skipped.
    pub fn next_row(&mut self) -> Option<Row> {
        loop {
            let (record, row) = match self.pending.take() {
                Some(first) => first,
                None => match self.read() {
                    Ok(Some(read)) => read,
                    Ok(None) => return None,
                    Err(e) => {
                        let row = e.position().map_or(0, |p| p.line());
                        return Some(Row::Rejected(Rejected {
                            row,
                            reason: format!("unreadable row: {e}"),
                        }));
                    }
                },
            };
            if record
                .iter()
                .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            return Some(self.check(row, &record));
        }
    }

    fn check(&mut self, row: u64, record: &ByteRecord) -> Row {
        let reject = |reason: String| Row::Rejected(Rejected { row, reason });
        let mut cells = Vec::with_capacity(record.len());
        for cell in record {
            match std::str::from_utf8(cell) {
                Ok(text) => cells.push(text),
                Err(_) => return reject("not UTF-8 text".into()),
            }
        }
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(|c| c.trim());
        let m = &self.mapping;
        let email = match cell(Some(m.email)) {
            None | Some("") => return reject("missing email".into()),
            Some(email) => match Email::parse("email", email) {
                Ok(email) => email,
                Err(Error::Invalid { message, .. }) => return reject(format!("email {message}")),
                Err(other) => return reject(other.to_string()),
            },
        };
        // Line breaks and tabs in a name (a quoted field) become spaces.
        let name = match cell(m.name) {
            Some(name) => one_line(name),
            None => one_line(
                &[cell(m.first_name), cell(m.last_name)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        };
        if name.chars().count() > MAX_NAME_LEN {
            return reject(format!("name must be at most {MAX_NAME_LEN} characters"));
        }
        let name = match Name::parse("name", Some(&name)) {
            Ok(name) => name,
            Err(Error::Invalid { message, .. }) => return reject(format!("name {message}")),
            Err(other) => return reject(other.to_string()),
        };
        let mut tags: Vec<TagName> = Vec::new();
        for part in cell(m.tags).unwrap_or_default().split([';', '|']) {
            if part.trim().is_empty() {
                continue;
            }
            match TagName::parse("tags", &one_line(part)) {
                Ok(tag) if !tags.iter().any(|t| t.normalized() == tag.normalized()) => {
                    tags.push(tag)
                }
                Ok(_) => {}
                Err(Error::Invalid { message, .. }) => {
                    return reject(format!("tag {:?} {message}", part.trim()));
                }
                Err(other) => return reject(other.to_string()),
            }
        }
        if tags.len() > MAX_TAGS_PER_ROW {
            return reject(format!("more than {MAX_TAGS_PER_ROW} tags"));
        }
        let consent = match cell(m.consent) {
            None | Some("") => None,
            Some(word) => match Consent::parse("consent", word) {
                Ok(Consent::NotAsked) => None,
                Ok(consent) => Some(consent),
                Err(_) => {
                    return reject(format!(
                        "consent {word:?} must be yes or no (subscribed, unsubscribed)"
                    ));
                }
            },
        };
        if let Some(first) = self.seen.get(email.normalized()) {
            return reject(format!("duplicate of row {first}"));
        }
        self.seen.insert(email.normalized().to_string(), row);
        Row::Contact(Contact {
            row,
            email,
            name,
            tags,
            consent,
        })
    }
}

/// Whitespace runs (line breaks included) as one space, trimmed.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &str) -> (ColumnMapping, Vec<Row>) {
        let mut rows = Rows::open(data.as_bytes()).unwrap();
        let mut out = Vec::new();
        while let Some(row) = rows.next_row() {
            out.push(row);
        }
        (rows.mapping().clone(), out)
    }

    fn rejected(rows: &[Row]) -> Vec<(u64, String)> {
        rows.iter()
            .filter_map(|r| match r {
                Row::Rejected(r) => Some((r.row, r.reason.clone())),
                Row::Contact(_) => None,
            })
            .collect()
    }

    #[test]
    fn headers_are_found_in_any_case_with_synonyms() {
        let (m, rows) = read("Tags,E-Mail,First Name,Last name\nvip;new,ANN@x.com,Ann,Lee\n");
        assert_eq!(
            (m.email, m.tags, m.first_name, m.last_name, m.name),
            (1, Some(0), Some(2), Some(3), None)
        );
        let Row::Contact(c) = &rows[0] else {
            panic!("{rows:?}")
        };
        assert_eq!(c.name.as_ref().unwrap().as_str(), "Ann Lee");
        assert_eq!(c.email.normalized(), "ann@x.com");
        assert_eq!(c.row, 2);
        let tags: Vec<&str> = c.tags.iter().map(TagName::as_str).collect();
        assert_eq!(tags, ["vip", "new"]);
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines_and_rows_keep_their_numbers() {
        let data = "\u{feff}full name,email address,labels\n\
                    \"Lee, Ann \"\"Annie\"\"\",ann@x.com,\"a|b ; c\"\n\
                    \"Two\nLines\",two@x.com,\n\
                    Bad,not-an-email,\n\
                    ,,\n\
                    Again,ANN@X.COM,\n\
                    Nobody,,\n\
                    Long,long@x.com,\"ok;";
        let data = format!("{data}{}\"\n", "t".repeat(51));
        let (m, rows) = read(&data);
        assert_eq!((m.name, m.email, m.tags), (Some(0), 1, Some(2)));
        let Row::Contact(first) = &rows[0] else {
            panic!("{rows:?}")
        };
        assert_eq!(first.name.as_ref().unwrap().as_str(), "Lee, Ann \"Annie\"");
        assert_eq!(first.tags.len(), 3);
        let Row::Contact(second) = &rows[1] else {
            panic!("{rows:?}")
        };
        assert_eq!(second.name.as_ref().unwrap().as_str(), "Two Lines");
        assert_eq!(second.row, 3);
        assert_eq!(
            rejected(&rows),
            vec![
                (5, "email is not an email address".to_string()),
                (7, "duplicate of row 2".to_string()),
                (8, "missing email".to_string()),
                (
                    9,
                    format!("tag {:?} must be at most 50 characters", "t".repeat(51))
                ),
            ]
        );
    }

    #[test]
    fn a_file_without_header_is_read_as_name_email_tags() {
        let (m, rows) = read("Ann Lee,ann@x.com,vip\nBob,bob@x.com\n");
        assert!(!m.has_header);
        assert_eq!((m.name, m.email, m.tags), (Some(0), 1, Some(2)));
        assert_eq!(rows.len(), 2);
        assert!(matches!(&rows[0], Row::Contact(c) if c.row == 1));
    }

    #[test]
    fn files_without_an_email_column_are_refused() {
        for data in ["", "name,phone\nAnn,123\n"] {
            match Rows::open(data.as_bytes()) {
                Err(Error::Invalid { field, .. }) => assert_eq!(field, "file"),
                Err(other) => panic!("expected Invalid, got {other:?}"),
                Ok(_) => panic!("expected an error for {data:?}"),
            }
        }
    }
}
