//! What a macaroon allows, read in the browser: lnd's macaroons are V2 binary macaroons
//! whose identifier is a version byte (3) and a protobuf naming the permissions (entity and
//! actions, or `uri` with method names); first-party caveats such as `time-before` limit
//! them further. Pages use this to leave out what the macaroon cannot do and say why,
//! rather than let the user fill in a form lnd will refuse. The node stays the judge: an
//! unreadable macaroon allows everything here and lnd answers as it will.

use lnrpc::macaroon::{ADMIN, Binary, decode_id};

#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// (entity, action) pairs, in the macaroon's order.
    pub ops: Vec<(String, String)>,
    /// The `time-before` caveat, as lnd writes it (RFC 3339), if any.
    pub expires: Option<String>,
    /// Every other first-party caveat, as written (`ipaddr 192.168.1.20`, `iprange …`,
    /// `lnd-custom …`): conditions lnd holds the macaroon to.
    pub conditions: Vec<String>,
}

impl Access {
    /// Reads a V2 binary macaroon (lnd's only kind); None when it is not one lnd baked.
    pub fn read(macaroon: &[u8]) -> Option<Access> {
        let mac = Binary::decode(macaroon).ok()?;
        let id = decode_id(&mac.identifier).ok()?;
        let ops = id.ops.into_iter().flat_map(|op| op.actions.into_iter().map(move |a| (op.entity.clone(), a))).collect();
        let caveats: Vec<String> = mac.caveats.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        let expires = caveats.iter().find_map(|c| c.strip_prefix("time-before ").map(str::to_string));
        let conditions = caveats.into_iter().filter(|c| !c.starts_with("time-before ")).collect();
        Some(Access { ops, expires, conditions })
    }

    /// When the `time-before` caveat ends it, in unix seconds.
    pub fn expires_at(&self) -> Option<i64> {
        self.expires.as_deref().and_then(super::credentials::unix_from_rfc3339)
    }

    fn has(&self, entity: &str, action: &str) -> bool {
        self.ops.iter().any(|(e, a)| e == entity && a == action)
    }

    /// Whether every one of `perms` is granted (lnd's check for an RPC's permissions).
    pub fn allows(&self, perms: &[(&str, &str)]) -> bool {
        perms.iter().all(|(e, a)| self.has(e, a))
    }

    /// The macaroon in a few words: one of lnd's own, or its permissions.
    pub fn summary(&self) -> String {
        if self.allows(ADMIN) {
            return "admin: every permission".into();
        }
        if !self.ops.is_empty() && self.ops.iter().all(|(e, a)| a == "read" && e != "uri") {
            return "read-only: can look, cannot change anything".into();
        }
        let mut entities: Vec<&str> = self.ops.iter().map(|(e, _)| e.as_str()).collect();
        entities.dedup();
        entities
            .iter()
            .map(|e| {
                let actions: Vec<&str> = self.ops.iter().filter(|(x, _)| x == e).map(|(_, a)| a.as_str()).collect();
                format!("{e} ({})", actions.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(name: &str) -> Vec<u8> {
        let text = include_str!("../../tests/vectors/macaroon_lnd_format_vectors.txt");
        let line = text.lines().find_map(|l| l.strip_prefix(&format!("{name}="))).unwrap();
        hex::decode(line).unwrap()
    }

    #[test]
    fn lnds_admin_macaroon_allows_everything() {
        let admin = Access::read(&vector("macaroon_v2_binary")).unwrap();
        assert_eq!(admin.summary(), "admin: every permission");
        assert!(admin.allows(&[("offchain", "write"), ("onchain", "write")]));
        assert_eq!(admin.expires, None);
        let limited = Access::read(&vector("with_caveat_binary")).unwrap();
        assert_eq!(limited.expires.as_deref(), Some("2030-01-01T00:00:00Z"));
        assert_eq!(limited.expires_at(), Some(1_893_456_000));
        assert!(limited.conditions.is_empty());
        let mut locked = Binary::decode(&vector("with_caveat_binary")).unwrap();
        locked.add_caveat("ipaddr 192.168.1.20");
        let locked = Access::read(&locked.encode()).unwrap();
        assert_eq!(locked.conditions, ["ipaddr 192.168.1.20"]);
        assert_eq!(locked.expires.as_deref(), Some("2030-01-01T00:00:00Z"));
    }

    #[test]
    fn narrower_macaroons_say_what_they_lack() {
        use lnrpc::macaroon::{ID_VERSION, MacaroonId, Op};
        use prost::Message;
        let id = MacaroonId {
            nonce: vec![1; 16],
            storage_id: b"0".to_vec(),
            ops: vec![Op { entity: "info".into(), actions: vec!["read".into()] }, Op { entity: "offchain".into(), actions: vec!["read".into()] }],
        };
        let mut identifier = vec![ID_VERSION];
        identifier.extend(id.encode_to_vec());
        let mac = Binary { identifier, caveats: vec![], signature: [7; 32] }.encode();
        let read_only = Access::read(&mac).unwrap();
        assert_eq!(read_only.summary(), "read-only: can look, cannot change anything");
        assert!(read_only.allows(&[("offchain", "read")]));
        assert!(!read_only.allows(&[("offchain", "write")]));
        assert!(Access::read(b"\x02junk").is_none(), "not lnd's: left to the node");
        assert!(Access::read(&mac[..20]).is_none(), "cut short");
    }
}
