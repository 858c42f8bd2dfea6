//! One way to build a network, for devnode's tests, the app's end-to-end tests, xtask's
//! test network and the demo: a short description of the nodes (each an lnd's spec, with
//! or without a wallet, with funds) and the channels among them, built in order.

use std::io;

use crate::{Network, NodeHandle, NodeSpec};

/// The wallet password of every node a plan creates.
pub const PASSWORD: &[u8] = b"password1";

pub struct NodePlan {
    pub spec: NodeSpec,
    pub wallet: bool,
    /// Paid from the faucet and confirmed in a block of its own, once the wallet exists.
    pub funds_sat: i64,
}

impl NodePlan {
    /// A node with a wallet and no funds, serving REST over plain HTTP (as on loopback in
    /// tests; a real lnd serves it over TLS).
    pub fn new(name: &str) -> Self {
        NodePlan { spec: NodeSpec { rest_tls: false, ..NodeSpec::new(name) }, wallet: true, funds_sat: 0 }
    }

    pub fn funded(self, sats: i64) -> Self {
        NodePlan { funds_sat: sats, ..self }
    }

    /// A node left at lnd's first start: no wallet yet (nor funds).
    pub fn without_wallet(self) -> Self {
        NodePlan { wallet: false, funds_sat: 0, ..self }
    }

    pub fn with(mut self, configure: impl FnOnce(&mut NodeSpec)) -> Self {
        configure(&mut self.spec);
        self
    }
}

pub struct ChannelPlan {
    pub from: String,
    pub to: String,
    pub sats: i64,
    pub push_sat: i64,
}

#[derive(Default)]
pub struct Plan {
    pub nodes: Vec<NodePlan>,
    pub channels: Vec<ChannelPlan>,
}

impl Plan {
    /// Nodes as [`NodePlan::new`] makes them.
    pub fn nodes(names: &[&str]) -> Self {
        Plan { nodes: names.iter().map(|n| NodePlan::new(n)).collect(), channels: Vec::new() }
    }

    pub fn node(mut self, node: NodePlan) -> Self {
        self.nodes.push(node);
        self
    }

    /// A channel `from` opens to `to` once every node is up (opened and confirmed).
    pub fn channel(mut self, from: &str, to: &str, sats: i64, push_sat: i64) -> Self {
        self.channels.push(ChannelPlan { from: from.into(), to: to.into(), sats, push_sat });
        self
    }
}

/// A node as built.
pub struct Built {
    pub handle: NodeHandle,
    /// Its admin macaroon (hex); empty without a wallet, or for a node without macaroons.
    pub macaroon: String,
}

impl Network {
    /// Builds `plan`: starts every node; creates each wallet (with [`PASSWORD`]) and funds
    /// it, or, where the node's data directory already holds a wallet (a network brought
    /// back), unlocks it and leaves its funds as they were; then opens the channels, unless
    /// every node was brought back (it has them already). The nodes in the plan's order.
    pub async fn build(&self, plan: Plan) -> io::Result<Vec<Built>> {
        let mut built = Vec::new();
        let mut fresh = false;
        for node in plan.nodes {
            let name = node.spec.name.clone();
            let handle = self.start_node(node.spec).await.map_err(|e| io::Error::new(e.kind(), format!("starting {name}: {e}")))?;
            let macaroon = if !node.wallet {
                fresh = true;
                String::new()
            } else if handle.dir.load_wallet()?.is_some() {
                self.unlock_wallet(&name, PASSWORD).await?;
                if handle.spec.no_macaroons { String::new() } else { handle.macaroon_hex("admin")? }
            } else {
                fresh = true;
                let macaroon = self.create_wallet(&name, PASSWORD).await.map_err(|e| io::Error::new(e.kind(), format!("creating {name}'s wallet: {e}")))?;
                if node.funds_sat > 0 {
                    self.fund_node(&name, node.funds_sat, 1).await?;
                }
                macaroon
            };
            built.push(Built { handle, macaroon });
        }
        if fresh {
            for c in plan.channels {
                self.open_channel(&c.from, &c.to, c.sats, c.push_sat).await?;
            }
        }
        Ok(built)
    }
}
