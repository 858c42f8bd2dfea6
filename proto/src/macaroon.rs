//! lnd's macaroons on the wire: the V2 binary format (libmacaroons) with first-party
//! caveats, lnd's identifier (bakery Version3: a version byte, then a `MacaroonId`
//! protobuf naming the permissions) and the permission sets of lnd's own macaroon files.
//! The app reads what a macaroon allows; devnode bakes and verifies them.

use prost::Message;

/// lnd's macaroon location.
pub const LOCATION: &str = "lnd";
/// bakery Version3: the identifier's first byte.
pub const ID_VERSION: u8 = 3;

#[derive(Clone, PartialEq, Message)]
pub struct MacaroonId {
    #[prost(bytes = "vec", tag = "1")]
    pub nonce: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub storage_id: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    pub ops: Vec<Op>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Op {
    #[prost(string, tag = "1")]
    pub entity: String,
    #[prost(string, repeated, tag = "2")]
    pub actions: Vec<String>,
}

/// One permission: an entity ("info", "offchain", …) and an action ("read", "write", …).
pub type Permission = (&'static str, &'static str);

/// admin.macaroon as lnd bakes it (`rpcserver.go` adminPermissions).
pub const ADMIN: &[Permission] = &[
    ("onchain", "read"),
    ("onchain", "write"),
    ("offchain", "read"),
    ("offchain", "write"),
    ("address", "read"),
    ("address", "write"),
    ("message", "read"),
    ("message", "write"),
    ("peers", "read"),
    ("peers", "write"),
    ("info", "read"),
    ("info", "write"),
    ("invoices", "read"),
    ("invoices", "write"),
    ("signer", "generate"),
    ("signer", "read"),
    ("macaroon", "generate"),
    ("macaroon", "read"),
    ("macaroon", "write"),
];

/// readonly.macaroon: every entity, read only.
pub const READONLY: &[Permission] = &[
    ("onchain", "read"),
    ("offchain", "read"),
    ("address", "read"),
    ("message", "read"),
    ("peers", "read"),
    ("info", "read"),
    ("invoices", "read"),
    ("signer", "read"),
    ("macaroon", "read"),
];

/// invoice.macaroon: create and read invoices, get addresses.
pub const INVOICE: &[Permission] = &[("invoices", "read"), ("invoices", "write"), ("address", "read"), ("address", "write"), ("onchain", "read")];

/// A V2 binary macaroon with first-party caveats (the only kind lnd bakes).
#[derive(Debug, Clone, PartialEq)]
pub struct Binary {
    pub identifier: Vec<u8>,
    /// The caveats' identifiers, e.g. `time-before 2030-01-01T00:00:00Z`.
    pub caveats: Vec<Vec<u8>>,
    pub signature: [u8; 32],
}

const EOS: u8 = 0;
const LOCATION_FIELD: u8 = 1;
const IDENTIFIER: u8 = 2;
const VERIFICATION_ID: u8 = 4;
const SIGNATURE: u8 = 6;

/// go-macaroon's `keyedHash`: HMAC-SHA256 of `data` under `key`. A macaroon's signature
/// starts as the keyed hash of its identifier under the derived root key, and each caveat
/// replaces it with the keyed hash of the caveat under the signature so far.
pub fn keyed_hash(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

impl Binary {
    /// Adds a first-party caveat (`time-before 2030-01-01T00:00:00Z`) without the root key:
    /// anyone holding a macaroon can narrow it, never widen it.
    pub fn add_caveat(&mut self, caveat: &str) {
        self.signature = keyed_hash(&self.signature, caveat.as_bytes());
        self.caveats.push(caveat.as_bytes().to_vec());
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![2u8];
        put_field(&mut out, LOCATION_FIELD, LOCATION.as_bytes());
        put_field(&mut out, IDENTIFIER, &self.identifier);
        out.push(EOS);
        for cav in &self.caveats {
            put_field(&mut out, IDENTIFIER, cav);
            out.push(EOS);
        }
        out.push(EOS);
        put_field(&mut out, SIGNATURE, &self.signature);
        out
    }

    /// Reads a macaroon; the error says what is wrong in go-macaroon's words.
    pub fn decode(data: &[u8]) -> Result<Self, &'static str> {
        let mut r = Reader { data, pos: 0 };
        if r.byte().ok_or("empty macaroon data")? != 2 {
            return Err("unsupported macaroon version");
        }
        let mut identifier = None;
        loop {
            match r.field().ok_or("section extends past end of buffer")? {
                (EOS, _) => break,
                (LOCATION_FIELD, _) => {}
                (IDENTIFIER, v) => identifier = Some(v.to_vec()),
                _ => return Err("unexpected field in header"),
            }
        }
        let mut caveats = Vec::new();
        loop {
            let mut cid = None;
            let mut first = true;
            loop {
                match r.field().ok_or("section extends past end of buffer")? {
                    // An empty section closes the caveat list; the signature follows.
                    (EOS, _) if first => {
                        let (kind, sig) = r.field().ok_or("no signature")?;
                        let signature = sig.try_into().map_err(|_| "no signature")?;
                        if kind != SIGNATURE || r.pos != data.len() {
                            return Err("no signature");
                        }
                        return Ok(Binary { identifier: identifier.ok_or("no identifier")?, caveats, signature });
                    }
                    (EOS, _) => break,
                    (LOCATION_FIELD, _) | (VERIFICATION_ID, _) => return Err("third-party caveats are not supported"),
                    (IDENTIFIER, v) => cid = Some(v.to_vec()),
                    _ => return Err("unexpected field in caveat"),
                }
                first = false;
            }
            caveats.push(cid.ok_or("caveat without id")?);
        }
    }
}

/// lnd's identifier: the version byte and the `MacaroonId`.
pub fn decode_id(identifier: &[u8]) -> Result<MacaroonId, String> {
    match identifier.split_first() {
        Some((&ID_VERSION, rest)) => MacaroonId::decode(rest).map_err(|e| format!("unable to decode macaroon id: {e}")),
        _ => Err("invalid macaroon identifier version".into()),
    }
}

fn put_field(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
    out.push(kind);
    let mut n = data.len();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out.extend_from_slice(data);
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    /// One V2 field: kind, then (unless EOS) a varint length and the data.
    fn field(&mut self) -> Option<(u8, &'a [u8])> {
        let kind = self.byte()?;
        if kind == EOS {
            return Some((EOS, &[]));
        }
        let (mut len, mut shift) = (0usize, 0);
        loop {
            let b = self.byte()?;
            len |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            (shift < 64).then_some(())?;
        }
        let end = self.pos.checked_add(len)?;
        let v = self.data.get(self.pos..end)?;
        self.pos = end;
        Some((kind, v))
    }
}
