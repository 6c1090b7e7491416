//! Who may see a past conversation: one rule for every report and for the agent's customer
//! panel (SPEC §1 and §7; seed 002, "Histórico Confidencial: the agent's history is not
//! available to the others"). Admins see the whole company. Supervisors and supervisor-agents
//! see every conversation of the operations they oversee, a confidential agent's included:
//! "confidential" keeps an agent's history from the other agents, not from the people who
//! oversee that operation. Everyone sees their own conversations, plus their groups' or their
//! groups' operations' where their permissions say so — never those of a colleague whose
//! history is confidential. The rule as SQL is [`super::sql::visible`].

use crate::auth::Principal;
use crate::enums::Profile;
use crate::ids::UserId;

/// What one user may see, read from their profile and permissions.
#[derive(Debug, Clone, Copy)]
pub struct Visibility {
    pub user: UserId,
    pub all: bool,
    pub groups: bool,
    pub operations_of_groups: bool,
    pub supervised_operations: bool,
}

impl Visibility {
    pub fn of(me: &Principal) -> Visibility {
        let p = me.user.permissions;
        Visibility {
            user: me.user_id(),
            all: me.profile() == Profile::Admin,
            groups: p.see_group_history,
            operations_of_groups: p.see_operation_history,
            supervised_operations: matches!(
                me.profile(),
                Profile::Supervisor | Profile::SupervisorAgent
            ),
        }
    }
}
