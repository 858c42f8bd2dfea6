//! The channel graph as lnd knows it, so far only GetNodeInfo: a node is in the graph once
//! it has an announced (public) channel, or when it is this node.

use lnrpc::lnrpc as pb;
use tonic::{Status, metadata::MetadataMap};

use super::{GET_NODE_INFO, NodeRpc};
use crate::ledger::now;
use crate::sim::channels::Phase;

impl NodeRpc {
    pub fn get_node_info(&self, md: &MetadataMap, req: pb::NodeInfoRequest) -> Result<pb::NodeInfo, Status> {
        self.authorize(md, &GET_NODE_INFO)?;
        let key = req.pub_key.to_lowercase();
        let me = self.identity_pubkey();
        let node = self
            .switchboard
            .running()
            .into_iter()
            .find(|n| n.identity_pubkey() == key)
            .ok_or_else(|| Status::not_found("unable to find node"))?;
        let public: Vec<i64> = node.channels().channels.iter().filter(|c| c.phase == Phase::Open && !c.private).map(|c| c.capacity).collect();
        if public.is_empty() && key != me {
            return Err(Status::not_found("unable to find node"));
        }
        let (alias, color) = {
            let n = node.node();
            (n.alias.clone(), n.color.clone())
        };
        Ok(pb::NodeInfo {
            node: Some(pb::LightningNode {
                last_update: now() as u32,
                pub_key: key,
                alias,
                addresses: vec![pb::NodeAddress { network: "tcp".into(), addr: node.p2p_address() }],
                color,
                features: super::features(),
                custom_records: Default::default(),
            }),
            num_channels: public.len() as u32,
            total_capacity: public.iter().sum(),
            channels: vec![],
        })
    }
}
