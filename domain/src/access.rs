//! Who may do what in a store: the one table of rights ([`Role::may`]).
//! The server checks it (`app::auth::ssr::authorize`, for every server
//! function and route under a store); the pages read the same table to leave
//! out the controls a role may not use. The README shows it as a table.

use serde::{Deserialize, Serialize};

/// How an account stands in a store: a member or the owner (from
/// `store_members`), or a platform admin (any store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Member,
    Owner,
    PlatformAdmin,
}

/// What a request asks to do. Every server function and every route under a
/// store names exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Right {
    /// Read the customers page and a customer; export CSV and JSON.
    ReadCustomers,
    /// Notes and tags on one customer.
    EditCustomer,
    /// Bulk tag, contacts import, erase a customer.
    ManageCustomers,
    /// Backfill, API keys and the members of the store.
    ManageStore,
    /// Every store: create stores, backfill all of them.
    AllStores,
}

impl Right {
    pub const ALL: [Right; 5] = [
        Right::ReadCustomers,
        Right::EditCustomer,
        Right::ManageCustomers,
        Right::ManageStore,
        Right::AllStores,
    ];
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Member, Role::Owner, Role::PlatformAdmin];

    /// The table of rights.
    pub const fn may(self, right: Right) -> bool {
        match (self, right) {
            (Role::PlatformAdmin, _) => true,
            (Role::Owner, Right::AllStores) => false,
            (Role::Owner, _) => true,
            (Role::Member, Right::ReadCustomers | Right::EditCustomer) => true,
            (Role::Member, _) => false,
        }
    }

    /// The name the database and the CLI use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Owner => "owner",
            Role::PlatformAdmin => "platform admin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_read_and_annotate_owners_run_the_store_admins_run_the_platform() {
        let table: Vec<(Right, [bool; 3])> = Right::ALL
            .iter()
            .map(|&right| (right, Role::ALL.map(|role| role.may(right))))
            .collect();
        assert_eq!(
            table,
            [
                (Right::ReadCustomers, [true, true, true]),
                (Right::EditCustomer, [true, true, true]),
                (Right::ManageCustomers, [false, true, true]),
                (Right::ManageStore, [false, true, true]),
                (Right::AllStores, [false, false, true]),
            ]
        );
    }
}
