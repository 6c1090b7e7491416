//! The identity fields of a client, validated as SPEC §2 asks: Brazilian phone numbers by the
//! national plan, other countries as E.164; CPF and CNPJ by their check digits.

/// Area codes (DDD) in use in Brazil.
const BR_AREA_CODES: &[u32] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77,
    79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
];

/// A Brazilian national number (area code + subscriber): fixed lines have 10 digits (the
/// subscriber starts with 2 to 5), mobiles 11 (the subscriber starts with 9).
fn brazilian(national: &str) -> Result<String, String> {
    let area: u32 = national.get(..2).and_then(|a| a.parse().ok()).unwrap_or(0);
    if !BR_AREA_CODES.contains(&area) {
        return Err(format!(
            "'{}' is not a Brazilian area code",
            national.get(..2).unwrap_or("")
        ));
    }
    let subscriber = &national[2..];
    let first = subscriber.chars().next().unwrap_or('0');
    match subscriber.len() {
        8 if ('2'..='5').contains(&first) => Ok(format!("+55{national}")),
        9 if first == '9' => Ok(format!("+55{national}")),
        8 => Err("a fixed-line number starts with 2, 3, 4 or 5".into()),
        9 => Err("a mobile number has 9 as its first digit after the area code".into()),
        _ => {
            Err("Brazilian numbers have 10 digits (fixed) or 11 (mobile) with the area code".into())
        }
    }
}

/// Normalises a phone to E.164 (`+5511987654321`). Without a `+`, the number is Brazilian.
pub fn parse_phone(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let international = trimmed.starts_with('+');
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
    {
        return Err("may contain only digits, spaces and + - ( ) .".into());
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err("is required".into());
    }
    match (international, digits.strip_prefix("55")) {
        (true, Some(national)) => brazilian(national),
        (false, _) if digits.len() <= 11 => brazilian(&digits),
        (false, Some(national)) => brazilian(national),
        (false, None) => Err("add the country code with + (e.g. +1...)".into()),
        (true, None) => {
            let e164 = format!("+{digits}");
            match phonenumber::parse(None, &e164) {
                Ok(n) if phonenumber::is_valid(&n) => Ok(e164),
                _ => Err("is not a valid international number".into()),
            }
        }
    }
}

/// Country code and national number (CSV columns) to E.164.
pub fn phone_from_parts(country_code: &str, number: &str) -> Result<String, String> {
    let cc: String = country_code.chars().filter(char::is_ascii_digit).collect();
    if cc.is_empty() || cc.len() > 3 {
        return Err("COUNTRY CODE must be 1 to 3 digits (Brazil is 55)".into());
    }
    let national: String = number.chars().filter(char::is_ascii_digit).collect();
    parse_phone(&format!("+{cc}{national}"))
}

fn digits_of(raw: &str) -> Vec<u32> {
    raw.chars().filter_map(|c| c.to_digit(10)).collect()
}

fn check_digit(digits: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match sum % 11 {
        r if r < 2 => 0,
        r => 11 - r,
    }
}

pub fn valid_cpf(raw: &str) -> bool {
    let d = digits_of(raw);
    if d.len() != 11 || d.iter().all(|x| *x == d[0]) {
        return false;
    }
    let w1: Vec<u32> = (2..=10).rev().collect();
    let w2: Vec<u32> = (2..=11).rev().collect();
    check_digit(&d[..9], &w1) == d[9] && check_digit(&d[..10], &w2) == d[10]
}

pub fn valid_cnpj(raw: &str) -> bool {
    let d = digits_of(raw);
    if d.len() != 14 || d.iter().all(|x| *x == d[0]) {
        return false;
    }
    let w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    let w2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    check_digit(&d[..12], &w1) == d[12] && check_digit(&d[..13], &w2) == d[13]
}

/// A CPF (11 digits) or a CNPJ (14), told apart by length; returns (type, digits).
pub fn parse_document(raw: &str) -> Result<(&'static str, String), String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if raw
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '/' | ' ')))
    {
        return Err("must be a CPF or CNPJ number".into());
    }
    match digits.len() {
        11 if valid_cpf(&digits) => Ok(("cpf", digits)),
        11 => Err("the CPF check digits do not match".into()),
        14 if valid_cnpj(&digits) => Ok(("cnpj", digits)),
        14 => Err("the CNPJ check digits do not match".into()),
        _ => Err("a CPF has 11 digits and a CNPJ 14".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brazilian_numbers_follow_the_national_plan() {
        assert_eq!(parse_phone("(11) 98765-4321"), Ok("+5511987654321".into()));
        assert_eq!(parse_phone("+55 11 3456-7890"), Ok("+551134567890".into()));
        assert_eq!(parse_phone("5511987654321"), Ok("+5511987654321".into()));
        assert!(
            parse_phone("11 88765-4321").is_err(),
            "mobile without the 9"
        );
        assert!(
            parse_phone("11 9876-5432").is_err(),
            "fixed line starting with 9"
        );
        assert!(parse_phone("10 98765-4321").is_err(), "no area code 10");
        assert!(parse_phone("1198765432100").is_err());
        assert_eq!(
            phone_from_parts("55", "21987654321"),
            Ok("+5521987654321".into())
        );
    }

    #[test]
    fn other_countries_are_e164() {
        assert_eq!(parse_phone("+1 415 555 2671"), Ok("+14155552671".into()));
        assert_eq!(parse_phone("+351 912 345 678"), Ok("+351912345678".into()));
        assert!(parse_phone("+1 123").is_err());
        assert!(parse_phone("abc").is_err());
    }

    #[test]
    fn documents_check_their_digits() {
        assert!(valid_cpf("529.982.247-25"));
        assert!(!valid_cpf("529.982.247-24"));
        assert!(!valid_cpf("111.111.111-11"));
        assert!(valid_cnpj("11.222.333/0001-81"));
        assert!(!valid_cnpj("11.222.333/0001-82"));
        assert_eq!(
            parse_document("529.982.247-25"),
            Ok(("cpf", "52998224725".into()))
        );
        assert_eq!(
            parse_document("11222333000181"),
            Ok(("cnpj", "11222333000181".into()))
        );
        assert!(parse_document("123").is_err());
    }
}
