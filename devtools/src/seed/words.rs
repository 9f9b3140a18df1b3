//! The words the seed builds names, titles and sources from.

pub(crate) const FIRST: &[&str] = &[
    "Ann", "Ben", "Carla", "Dev", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jun", "Kemi", "Liam",
    "Maya", "Nico", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Vera", "Wen",
    "Xavi", "Yara", "Zoe", "José", "Zoë", "Søren", "Amélie",
];
pub(crate) const LAST: &[&str] = &[
    "Lee", "Okafor", "García", "Novak", "Smith", "Tanaka", "Ahmed", "Rossi", "Müller", "Dubois",
    "Kowalski", "Silva", "Nguyen", "Cohen", "O'Brien", "Larsen", "Haddad", "Ivanova", "Khan",
    "Moreau",
];
pub(crate) const DOMAINS: &[&str] = &[
    "example.com",
    "mail.test",
    "inbox.example.org",
    "post.example.net",
];
pub(crate) const TOPICS: &[&str] = &[
    "Watercolour",
    "Sourdough",
    "Rust",
    "Yoga",
    "Guitar",
    "Photography",
    "Spanish",
    "Pottery",
    "Marketing",
    "Bookkeeping",
    "Calligraphy",
    "Meditation",
    "Piano",
    "Knitting",
    "SQL",
    "Gardening",
    "Illustration",
    "Running",
    "Chess",
    "Woodworking",
];
pub(crate) const LEVELS: &[&str] = &[
    "Basics",
    "Masterclass",
    "in 30 Days",
    "for Beginners",
    "Deep Dive",
];
pub(crate) const PRODUCTS: &[&str] = &[
    "Workbook",
    "Template Pack",
    "Cheat Sheet",
    "E-book",
    "Preset Bundle",
    "Sample Library",
];
pub(crate) const LEAD_SOURCES: &[&str] = &["newsletter", "free guide", "webinar signup"];
/// The lead source of contacts the seed imports from a file.
pub(crate) const IMPORT_SOURCE: &str = "import: contacts.csv";
/// Subscription statuses and their weights.
pub(crate) const STATUSES: &[(&str, u32)] = &[
    ("active", 50),
    ("trialing", 10),
    ("past_due", 10),
    ("cancelled", 22),
    ("expired", 8),
];
