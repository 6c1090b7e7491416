//! The password policy of SPEC §1 and argon2id hashing.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Each rule a password can break, in the words shown to the user.
pub fn policy_violations(password: &str) -> Vec<&'static str> {
    let mut broken = Vec::new();
    if password.chars().count() <= 7 {
        broken.push("must be longer than 7 characters");
    }
    if !password.chars().any(char::is_lowercase) {
        broken.push("must contain a lower-case letter");
    }
    if !password.chars().any(char::is_uppercase) {
        broken.push("must contain an upper-case letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        broken.push("must contain a digit");
    }
    if !password
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
    {
        broken.push("must contain a special character (such as # ! @ $ %)");
    }
    if password.len() > 256 {
        broken.push("must be at most 256 bytes long");
    }
    broken
}

/// A salted argon2id hash (PHC string) with the crate's recommended cost.
pub fn hash(password: &str, salt: &[u8; 16]) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checked against when the username does not exist, so a wrong username costs as much time
/// as a wrong password and does not reveal which one was wrong.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$S5Ck2jFjs+JjJZsyhS0Zw5KwlDgSGzKXLHT+eokuS3o";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_each_broken_rule() {
        assert_eq!(
            policy_violations("abc"),
            vec![
                "must be longer than 7 characters",
                "must contain an upper-case letter",
                "must contain a digit",
                "must contain a special character (such as # ! @ $ %)"
            ]
        );
        assert!(policy_violations("Atende#2026").is_empty());
        // Exactly 8 characters is "more than 7".
        assert!(policy_violations("Ab1#efgh").is_empty());
        assert_eq!(
            policy_violations("Ab1#efg"),
            vec!["must be longer than 7 characters"]
        );
    }

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("Atende#2026", &[1; 16]).unwrap_or_default();
        let b = hash("Atende#2026", &[2; 16]).unwrap_or_default();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("Atende#2026", &a));
        assert!(!verify("Atende#2027", &a));
        assert!(!verify("anything", "not a hash"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
