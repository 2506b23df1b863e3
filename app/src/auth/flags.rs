//! The five permission flags of `module_access` (view, create, edit, delete, approve): the
//! [`Action`]s a user may take in a module, as a bit set per module ([`FlagSet`]) and across the
//! six modules ([`Permissions`]). [`authorize`](super::authorize::authorize) decides with them.

use serde::{Deserialize, Serialize};

use crate::modules::Module;

/// What a user wants to do: the five permission flags of `module_access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See a record or list.
    View,
    /// Create a record.
    Create,
    /// Change a record.
    Edit,
    /// Delete a record.
    Delete,
    /// Decide on a record in a workflow (approve, reject, send back).
    Approve,
}

impl Action {
    /// Every action, in column order.
    pub const ALL: [Action; 5] = [
        Action::View,
        Action::Create,
        Action::Edit,
        Action::Delete,
        Action::Approve,
    ];

    /// The key in URLs and JSON (`view`, `create`, …).
    pub const fn key(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Create => "create",
            Action::Edit => "edit",
            Action::Delete => "delete",
            Action::Approve => "approve",
        }
    }

    /// The action whose key is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The `module_access` column holding this flag.
    pub const fn column(self) -> &'static str {
        match self {
            Action::View => "can_view",
            Action::Create => "can_create",
            Action::Edit => "can_edit",
            Action::Delete => "can_delete",
            Action::Approve => "can_approve",
        }
    }

    /// The flag's name in headings.
    pub const fn label(self) -> &'static str {
        match self {
            Action::View => "View",
            Action::Create => "Create",
            Action::Edit => "Edit",
            Action::Delete => "Delete",
            Action::Approve => "Approve",
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The five flags of one module, as a bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FlagSet(u8);

impl FlagSet {
    /// No flag.
    pub const EMPTY: FlagSet = FlagSet(0);
    /// All five flags.
    pub const ALL: FlagSet = FlagSet(0b1_1111);

    /// The set from the five `module_access` columns.
    pub const fn from_columns(
        view: bool,
        create: bool,
        edit: bool,
        delete: bool,
        approve: bool,
    ) -> Self {
        FlagSet(
            view as u8
                | (create as u8) << 1
                | (edit as u8) << 2
                | (delete as u8) << 3
                | (approve as u8) << 4,
        )
    }

    /// The set from its bits (unknown bits dropped).
    pub const fn from_bits(bits: u8) -> Self {
        FlagSet(bits & Self::ALL.0)
    }

    /// The bits.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether `action` is in the set.
    pub const fn has(self, action: Action) -> bool {
        self.0 & action.bit() != 0
    }

    /// The set with `action` turned on or off.
    pub const fn with(self, action: Action, on: bool) -> Self {
        if on {
            FlagSet(self.0 | action.bit())
        } else {
            FlagSet(self.0 & !action.bit())
        }
    }

    /// Whether no flag is on.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The flags of `self` that `other` lacks.
    pub const fn minus(self, other: FlagSet) -> FlagSet {
        FlagSet(self.0 & !other.0)
    }

    /// The flags that are on, in column order.
    pub fn actions(self) -> impl Iterator<Item = Action> {
        Action::ALL.into_iter().filter(move |a| self.has(*a))
    }

    /// The flags as words, e.g. "View, Edit", or "none".
    pub fn describe(self) -> String {
        if self.is_empty() {
            return "none".into();
        }
        self.actions()
            .map(Action::label)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One `module_access` row as the queries read a user's rights, all of them in one array:
/// `ARRAY(SELECT ROW(ma.module, permission_bits(…))::module_grant FROM module_access ma
/// WHERE ma.user_id = u.id ORDER BY ma.module)` (the row type and the index that answers it
/// alone are in migration 20261211000001).
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "module_grant")]
pub struct ModuleGrant {
    /// The module's key (`module_access.module`).
    pub module: String,
    /// The five flags, bit 0 view … bit 4 approve (`permission_bits`).
    pub bits: i32,
}

/// A user's flags in every module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permissions([FlagSet; 6]);

impl Permissions {
    /// Every flag in every module.
    pub const ALL: Permissions = Permissions([FlagSet::ALL; 6]);

    /// The flags held in `module`.
    pub fn get(&self, module: Module) -> FlagSet {
        self.0[module.index()]
    }

    /// Replaces the flags of `module`.
    pub fn set(&mut self, module: Module, flags: FlagSet) {
        self.0[module.index()] = flags;
    }

    /// The permissions from `(module key, flag bits)` pairs, as the queries read them from
    /// `module_access` (bit 0 view … bit 4 approve); unknown modules are ignored.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, i32)>) -> Self {
        let mut permissions = Permissions::default();
        for (key, bits) in rows {
            if let Some(module) = Module::from_key(key) {
                permissions.set(
                    module,
                    FlagSet::from_bits(u8::try_from(bits & 0x1f).unwrap_or(0)),
                );
            }
        }
        permissions
    }

    /// The permissions from a user's `module_access` rows as [`ModuleGrant`]s.
    #[cfg(feature = "ssr")]
    pub fn from_grants(grants: &[ModuleGrant]) -> Self {
        Self::from_rows(grants.iter().map(|g| (g.module.as_str(), g.bits)))
    }

    /// Whether `action` is held in `module`.
    pub fn allows(&self, module: Module, action: Action) -> bool {
        self.get(module).has(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_sets_read_and_write_each_column() {
        let set = FlagSet::from_columns(true, false, true, false, true);
        assert!(set.has(Action::View) && set.has(Action::Edit) && set.has(Action::Approve));
        assert!(!set.has(Action::Create) && !set.has(Action::Delete));
        assert_eq!(set.with(Action::Edit, false).describe(), "View, Approve");
        assert_eq!(FlagSet::ALL.minus(set).describe(), "Create, Delete");
        assert_eq!(FlagSet::from_bits(0xff), FlagSet::ALL);
    }
}
