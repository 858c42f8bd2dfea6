//! Wallet set-up input, checked before it reaches the node.

use crate::lnd::LndError;

/// lnd's minimum wallet password length.
pub const MIN_PASSWORD: usize = 8;
/// An aezeed mnemonic's length.
pub const SEED_WORDS: usize = 24;

/// Checks a new password and its repetition before anything is sent.
pub fn check_password(password: &str, repeat: &str) -> Result<(), LndError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(LndError::Input(format!("The password must have at least {MIN_PASSWORD} characters")));
    }
    if password != repeat {
        return Err(LndError::Input("The two passwords differ".into()));
    }
    Ok(())
}

/// Splits pasted words (any spacing, numbering or case) and checks there are 24.
pub fn parse_words(text: &str) -> Result<Vec<String>, LndError> {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    if let Some(bad) = words.iter().find(|w| !w.chars().all(|c| c.is_ascii_lowercase())) {
        return Err(LndError::Input(format!("\"{bad}\" is not a seed word: seed words are plain English words")));
    }
    if words.len() != SEED_WORDS {
        return Err(LndError::Input(format!("An lnd seed has {SEED_WORDS} words; found {}", words.len())));
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_eight_characters_and_a_matching_repeat() {
        assert!(check_password("1234567", "1234567").is_err());
        assert!(check_password("12345678", "12345679").unwrap_err().to_string().contains("differ"));
        assert_eq!(check_password("correct horse", "correct horse"), Ok(()));
    }

    #[test]
    fn pasted_words_are_cleaned_and_counted() {
        assert!(parse_words("abandon ab4ndon").unwrap_err().to_string().contains("\"ab4ndon\" is not a seed word"));
        let plain = vec!["abandon"; 24].join("  ");
        assert_eq!(parse_words(&plain).unwrap().len(), 24);
        let listed: String = (1..=24).map(|i| format!("{i}. Abandon,\n")).collect();
        assert_eq!(parse_words(&listed).unwrap(), vec!["abandon".to_string(); 24]);
        assert!(parse_words("abandon abandon").unwrap_err().to_string().contains("found 2"));
    }
}
