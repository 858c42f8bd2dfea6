//! The simulated regtest chain shared by every node of a network. This slice keeps headers
//! only (height, hash, time); transactions come with the on-chain work.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bitcoin's regtest genesis block hash, in display order.
pub const REGTEST_GENESIS: &str = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
/// Regtest's genesis timestamp.
const GENESIS_TIME: i64 = 1_296_688_602;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub height: u32,
    pub hash: String,
    pub time: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Chain {
    headers: Vec<Header>,
}

impl Default for Chain {
    fn default() -> Self {
        Chain { headers: vec![Header { height: 0, hash: REGTEST_GENESIS.into(), time: GENESIS_TIME }] }
    }
}

impl Chain {
    pub fn tip(&self) -> &Header {
        self.headers.last().expect("the chain always has its genesis block")
    }

    /// Mines `n` empty blocks at `now` (never before the tip's time).
    pub fn mine(&mut self, n: u32, now: i64) -> &Header {
        for _ in 0..n {
            let tip = self.tip().clone();
            let time = now.max(tip.time + 1);
            let mut h = Sha256::new();
            h.update(tip.hash.as_bytes());
            h.update(time.to_be_bytes());
            let hash = hex::encode(Sha256::digest(h.finalize()));
            self.headers.push(Header { height: tip.height + 1, hash, time });
        }
        self.tip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mining_extends_the_tip() {
        let mut c = Chain::default();
        assert_eq!(c.tip().height, 0);
        let first = c.mine(1, 2_000_000_000).clone();
        let tip = c.mine(100, 2_000_000_000).clone();
        assert_eq!(tip.height, 101);
        assert_ne!(first.hash, tip.hash);
        assert!(tip.time > first.time, "block times increase even within one second");
    }
}
