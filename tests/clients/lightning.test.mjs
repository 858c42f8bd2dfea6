// devnode against software nobody here wrote: the npm `lightning` library (ln-service's
// engine, pinned 12.5.0) over gRPC/TLS with lnd's own protos, as a real app would use it.
// `cargo xtask test` starts the devnodes and passes their addresses and certificates in the
// environment: carol has no wallet yet, alice runs, bob is locked.
import test from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createHash, randomBytes} from 'node:crypto';
import lightning from 'lightning';

const {
  addPeer, authenticatedLndGrpc, cancelHodlInvoice, closeChannel, createHodlInvoice, createInvoice, decodePaymentRequest,
  getAccessIds, getChannel, getFeeRates, getForwards, getNetworkGraph, getNetworkInfo, getNode, revokeAccess, updateRoutingFees,
  getBackups, getInvoice, getPayments, pay, verifyBackups, settleHodlInvoice, subscribeToInvoice, subscribeToInvoices, getChannelBalance, getChannels, getClosedChannels, getPendingChannels,
  openChannel, unauthenticatedLndGrpc,
  createChainAddress, createSeed, createWallet, getChainBalance, getChainTransactions,
  getUtxos, getWalletInfo, grantAccess, getWalletStatus, getWalletVersion, sendToChainAddress, signMessage, unlockWallet,
  getMethods, verifyAccess, verifyMessage,
} = lightning;

function env(name) {
  const v = process.env[name];
  assert.ok(v, `${name} is unset: run through cargo xtask test`);
  return v;
}

const cert = env('DEVNODE_CERT');
const socket = env('DEVNODE_GRPC');

// devnode's control API: blocks come from outside the node, as from a miner.
async function mine(blocks) {
  const res = await fetch(`${env('DEVNODE_CONTROL')}/mine`, {method: 'POST', body: new URLSearchParams({blocks}), redirect: 'manual'});
  assert.equal(res.status, 303);
}

async function until(what, check) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a new wallet: status, seed, creation, then wallet info', async () => {
  const {lnd} = unauthenticatedLndGrpc({cert, socket});
  const before = await getWalletStatus({lnd});
  assert.equal(before.is_absent, true);

  const {seed} = await createSeed({lnd});
  assert.equal(seed.split(' ').length, 24);

  // lightning 12.5.0 resolves createWallet with nothing (its returnResult has no `of`), so
  // the admin macaroon is read from the file lnd writes, as most ln-service users do.
  await createWallet({lnd, seed, password: 'password1'});
  const macaroon = readFileSync(env('DEVNODE_MACAROON_FILE')).toString('base64');
  assert.match(Buffer.from(macaroon, 'base64').toString('hex'), /^0201036c6e64/);

  await until('the node to become active', async () => (await getWalletStatus({lnd})).is_active);
  const authed = authenticatedLndGrpc({cert, macaroon, socket}).lnd;
  // Like lnd, devnode answers GetInfo before it reports being synced to the chain.
  const info = await until('a synced node', async () => {
    const i = await getWalletInfo({lnd: authed});
    return i.is_synced_to_chain && i;
  });
  assert.equal(info.alias, 'carol');
  assert.match(info.public_key, /^0[23][0-9a-f]{64}$/);
  assert.equal(info.version, '0.20.0-beta commit=v0.20.0-beta');
  assert.ok(info.uris[0].startsWith(`${info.public_key}@`));
  assert.ok(info.features.some((f) => f.type === 'payment_identifier' || f.bit === 14));

  // lightning tells lnd releases apart by their commit hash.
  const version = await getWalletVersion({lnd: authed});
  assert.equal(version.version, '0.20.0-beta');
  assert.ok(version.build_tags.includes('walletrpc'));

  // Signed messages: lnd's zbase32 compact signatures, recovering the node's key.
  const {signature} = await signMessage({lnd: authed, message: 'hello devnode'});
  assert.match(signature, /^[ybndrfg8ejkmcpqxot1uwisza345h769]{104}$/);
  const verified = await verifyMessage({lnd: authed, message: 'hello devnode', signature});
  assert.equal(verified.signed_by, info.public_key);

  // A macaroon baked for one permission allows that and nothing else.
  const granted = await grantAccess({lnd: authed, is_ok_to_get_wallet_info: true});
  const limited = authenticatedLndGrpc({cert, macaroon: granted.macaroon, socket}).lnd;
  assert.equal((await getWalletInfo({lnd: limited})).public_key, info.public_key);
  await assert.rejects(getChainBalance({lnd: limited}), (err) => /permission denied/.test(JSON.stringify(err)));
  // The node says what each method needs, and whether a macaroon would pass.
  const {methods} = await getMethods({lnd: authed});
  assert.deepEqual(methods.find((m) => m.endpoint === '/lnrpc.Lightning/GetInfo').permissions, ['info:read']);
  assert.equal((await verifyAccess({lnd: authed, macaroon: granted.macaroon, permissions: ['info:read']})).is_valid, true);
  assert.equal((await verifyAccess({lnd: authed, macaroon: granted.macaroon, permissions: ['onchain:read']})).is_valid, false);

  await assert.rejects(createSeed({lnd}), 'the unlocker is gone once the wallet runs');
});

test('a macaroon from another node is refused', async () => {
  const foreign = env('DEVNODE_FOREIGN_MACAROON');
  const {lnd} = authenticatedLndGrpc({cert: env('DEVNODE_ALICE_CERT'), macaroon: foreign, socket: env('DEVNODE_ALICE_GRPC')});
  await assert.rejects(getWalletInfo({lnd}), (err) => {
    assert.match(JSON.stringify(err), /signature mismatch|verification failed/);
    return true;
  });
});

test('unlocking with a wrong password is refused', async () => {
  const {lnd} = unauthenticatedLndGrpc({cert: env('DEVNODE_LOCKED_CERT'), socket: env('DEVNODE_LOCKED_GRPC')});
  await assert.rejects(unlockWallet({lnd, password: 'not the password'}), (err) => {
    // lightning recognises lnd's exact message ("invalid passphrase for master public key").
    assert.deepEqual(err, [401, 'InvalidWalletUnlockPassword']);
    return true;
  });
});

test('on-chain: addresses, balance, UTXOs, a send and its history', async () => {
  const alice = authenticatedLndGrpc({
    cert: env('DEVNODE_ALICE_CERT'), macaroon: env('DEVNODE_ALICE_MACAROON'), socket: env('DEVNODE_ALICE_GRPC'),
  }).lnd;
  // xtask funded alice with 1 BTC in one confirmed payment.
  const {chain_balance} = await getChainBalance({lnd: alice});
  assert.equal(chain_balance, 100_000_000);
  const {utxos} = await getUtxos({lnd: alice});
  assert.equal(utxos.length, 1);
  assert.equal(utxos[0].tokens, 100_000_000);
  assert.equal(utxos[0].confirmation_count, 1);

  const p2wkh = await createChainAddress({lnd: alice});
  assert.match(p2wkh.address, /^bcrt1q/);
  // p2tr first asks WalletKit.ListAccounts whether the wallet has a taproot account.
  const p2tr = await createChainAddress({lnd: alice, format: 'p2tr'});
  assert.match(p2tr.address, /^bcrt1p/);
  const np2wpkh = await createChainAddress({lnd: alice, format: 'np2wpkh'});
  assert.match(np2wpkh.address, /^2/);

  const sent = await sendToChainAddress({lnd: alice, address: p2tr.address, tokens: 25_000, fee_tokens_per_vbyte: 3});
  assert.match(sent.id, /^[0-9a-f]{64}$/);
  assert.equal(sent.is_confirmed, false);
  assert.equal(sent.tokens, 25_000);

  const {transactions} = await getChainTransactions({lnd: alice});
  const tx = transactions.find((t) => t.id === sent.id);
  assert.ok(tx, 'the send is in the history');
  // Paying ourselves: the wallet's net change is minus the fee.
  assert.ok(tx.fee > 0);
  assert.equal(tx.tokens, tx.fee);
  assert.equal(tx.is_outgoing, true);
  assert.match(tx.transaction, /^02000000/);
});

test('channels: a peer, a channel opened, confirmed, listed, balanced and closed', async () => {
  const alice = authenticatedLndGrpc({
    cert: env('DEVNODE_ALICE_CERT'), macaroon: env('DEVNODE_ALICE_MACAROON'), socket: env('DEVNODE_ALICE_GRPC'),
  }).lnd;
  const carol = authenticatedLndGrpc({cert, macaroon: readFileSync(env('DEVNODE_MACAROON_FILE')).toString('base64'), socket}).lnd;
  // The on-chain test left alice's change unconfirmed; funding needs a confirmed input.
  await mine(1);
  const {public_key: carolKey, uris} = await getWalletInfo({lnd: carol});
  await addPeer({lnd: alice, public_key: carolKey, socket: uris[0].split('@')[1]});

  const opened = await openChannel({lnd: alice, local_tokens: 250_000, partner_public_key: carolKey, give_tokens: 5_000});
  assert.match(opened.transaction_id, /^[0-9a-f]{64}$/);
  const {pending_channels} = await getPendingChannels({lnd: alice});
  assert.equal(pending_channels.length, 1);
  assert.equal(pending_channels[0].is_opening, true);
  assert.equal(pending_channels[0].transaction_id, opened.transaction_id);

  await mine(3);
  const {channels} = await until('the channel opens', async () => {
    const r = await getChannels({lnd: alice});
    return r.channels.length ? r : null;
  });
  assert.equal(channels[0].capacity, 250_000);
  // 250,000 − 2,810 commitment fee − 2 × 330 anchors − 5,000 given.
  assert.equal(channels[0].local_balance, 241_530);
  assert.equal(channels[0].remote_balance, 5_000);
  assert.equal(channels[0].is_active, true);
  assert.equal(channels[0].partner_public_key, carolKey);
  assert.equal((await getChannels({lnd: carol})).channels[0].local_balance, 5_000);
  const balance = await getChannelBalance({lnd: alice});
  assert.equal(balance.channel_balance, 241_530);

  const backups = await getBackups({lnd: alice});
  assert.equal(backups.channels.length, 1);
  assert.equal(backups.channels[0].transaction_id, opened.transaction_id);
  const channelsBackedUp = backups.channels.map((c) => ({transaction_id: c.transaction_id, transaction_vout: c.transaction_vout}));
  const check = await verifyBackups({lnd: alice, backup: backups.backup, channels: channelsBackedUp});
  assert.equal(check.is_valid, true);

  const closing = await closeChannel({lnd: alice, transaction_id: opened.transaction_id, transaction_vout: opened.transaction_vout, tokens_per_vbyte: 2});
  assert.match(closing.transaction_id, /^[0-9a-f]{64}$/);
  await mine(1);
  const {channels: closed} = await until('the close confirms', async () => {
    const r = await getClosedChannels({lnd: alice});
    return r.channels.length ? r : null;
  });
  assert.equal(closed[0].is_cooperative_close, true);
  assert.equal(closed[0].close_transaction_id, closing.transaction_id);
  assert.equal(closed[0].partner_public_key, carolKey);
});

test('invoices and payments: create, subscribe, decode, pay; a hold invoice held then settled; a payment in parts', async () => {
  const alice = authenticatedLndGrpc({
    cert: env('DEVNODE_ALICE_CERT'), macaroon: env('DEVNODE_ALICE_MACAROON'), socket: env('DEVNODE_ALICE_GRPC'),
  }).lnd;
  const carol = authenticatedLndGrpc({cert, macaroon: readFileSync(env('DEVNODE_MACAROON_FILE')).toString('base64'), socket}).lnd;
  const {public_key: carolKey} = await getWalletInfo({lnd: carol});
  await mine(1);
  await openChannel({lnd: alice, local_tokens: 500_000, partner_public_key: carolKey});
  await mine(3);
  await until('the channel opens', async () => (await getChannels({lnd: alice})).channels.length === 1);

  const sub = subscribeToInvoices({lnd: carol});
  const seen = [];
  sub.on('invoice_updated', (i) => seen.push(i));
  const invoice = await createInvoice({lnd: carol, tokens: 12_345, description: 'tea'});
  assert.match(invoice.request, /^lnbcrt123450n1/);
  const decoded = await decodePaymentRequest({lnd: alice, request: invoice.request});
  assert.equal(decoded.destination, carolKey);
  assert.equal(decoded.tokens, 12_345);
  assert.equal(decoded.description, 'tea');
  assert.equal(decoded.id, invoice.id);

  const paid = await pay({lnd: alice, request: invoice.request});
  assert.equal(paid.tokens, 12_345);
  assert.equal(paid.fee, 0, 'a direct channel charges no fee');
  assert.equal(createHash('sha256').update(Buffer.from(paid.secret, 'hex')).digest('hex'), invoice.id);
  const got = await getInvoice({lnd: carol, id: invoice.id});
  assert.equal(got.is_confirmed, true);
  assert.equal(got.received, 12_345);
  await until('the stream saw it settle', async () => seen.some((i) => i.id === invoice.id && i.is_confirmed));
  sub.removeAllListeners();
  const {payments} = await getPayments({lnd: alice});
  assert.ok(payments.some((p) => p.id === invoice.id && p.is_confirmed));

  // A hold invoice: the payment waits until carol settles with the secret.
  const secret = randomBytes(32);
  const id = createHash('sha256').update(secret).digest('hex');
  const hodl = await createHodlInvoice({lnd: carol, id, tokens: 2_000, description: 'held'});
  const paying = pay({lnd: alice, request: hodl.request});
  await until('carol holds the HTLC', async () => (await getInvoice({lnd: carol, id})).is_held);
  await settleHodlInvoice({lnd: carol, secret: secret.toString('hex')});
  const settled = await paying;
  assert.equal(settled.secret, secret.toString('hex'));

  // Another, canceled: the payer is told the payment details were refused.
  const other = randomBytes(32);
  const otherId = createHash('sha256').update(other).digest('hex');
  const canceled = await createHodlInvoice({lnd: carol, id: otherId, tokens: 1_000});
  // The rejection is awaited only after the cancel, and it may arrive before the cancel's own
  // answer: the handler is attached now, or node counts it as an unhandled rejection.
  const failing = assert.rejects(pay({lnd: alice, request: canceled.request}), (err) => JSON.stringify(err).includes('PaymentRejectedByDestination'));
  await until('carol holds the second HTLC', async () => (await getInvoice({lnd: carol, id: otherId})).is_held);
  const single = subscribeToInvoice({lnd: carol, id: otherId});
  const states = [];
  single.on('invoice_updated', (i) => states.push(i));
  await cancelHodlInvoice({lnd: carol, id: otherId});
  await failing;
  await until('the single-invoice stream saw the cancel', async () => states.some((i) => i.is_canceled));

  // A second, smaller channel: an invoice larger than either channel is paid in parts
  // (max_paths is SendPaymentV2's max_parts), and refused as a single HTLC.
  await openChannel({lnd: alice, local_tokens: 200_000, partner_public_key: carolKey});
  await mine(3);
  await until('the second channel opens', async () => (await getChannels({lnd: alice})).channels.length === 2);
  const big = await createInvoice({lnd: carol, tokens: 600_000, description: 'in parts'});
  await assert.rejects(pay({lnd: alice, request: big.request}), (err) => JSON.stringify(err).includes('PaymentPathfindingFailedToFindPossibleRoute'));
  const split = await pay({lnd: alice, request: big.request, max_paths: 8});
  assert.equal(split.tokens, 600_000);
  assert.ok(split.paths.length >= 2, `paid in ${split.paths.length} parts`);
  assert.equal(split.paths.reduce((sum, p) => sum + p.tokens, 0), 600_000);
  const parts = await getInvoice({lnd: carol, id: big.id});
  assert.equal(parts.is_confirmed, true);
  assert.equal(parts.payments.length, split.paths.length);
  assert.ok(parts.payments.every((p) => p.is_confirmed && p.total_mtokens === '600000000'));
});

test('the graph and fees: network graph, a channel, network info, a policy change, fee rates, forwards', async () => {
  const alice = authenticatedLndGrpc({
    cert: env('DEVNODE_ALICE_CERT'), macaroon: env('DEVNODE_ALICE_MACAROON'), socket: env('DEVNODE_ALICE_GRPC'),
  }).lnd;
  const {public_key: aliceKey} = await getWalletInfo({lnd: alice});
  const graph = await getNetworkGraph({lnd: alice});
  assert.ok(graph.nodes.some((n) => n.public_key === aliceKey));
  const mine = graph.channels.find((c) => c.policies.some((p) => p.public_key === aliceKey));
  assert.ok(mine, 'alice\'s open channel is in the graph');
  const channel = await getChannel({lnd: alice, id: mine.id});
  assert.equal(channel.capacity, mine.capacity);
  assert.equal(channel.transaction_id, mine.transaction_id);
  const info = await getNetworkInfo({lnd: alice});
  assert.ok(info.channel_count >= 1 && info.node_count >= 2);
  const node = await getNode({lnd: alice, public_key: aliceKey});
  assert.ok(node.channels.length >= 1);

  await updateRoutingFees({lnd: alice, base_fee_mtokens: '2500', fee_rate: 750, cltv_delta: 60});
  const {channels} = await getFeeRates({lnd: alice});
  assert.ok(channels.length >= 1);
  assert.equal(channels[0].base_fee_mtokens, '2500');
  assert.equal(channels[0].fee_rate, 750);
  const updated = await getChannel({lnd: alice, id: mine.id});
  const policy = updated.policies.find((p) => p.public_key === aliceKey);
  assert.equal(policy.cltv_delta, 60);
  const {forwards} = await getForwards({lnd: alice});
  assert.deepEqual(forwards, [], 'alice forwarded nothing');

  const {ids} = await getAccessIds({lnd: alice});
  assert.ok(ids.includes('0'));
  await grantAccess({lnd: alice, id: '9', permissions: ['info:read']});
  assert.ok((await getAccessIds({lnd: alice})).ids.includes('9'));
  await revokeAccess({lnd: alice, id: '9'});
  assert.ok(!(await getAccessIds({lnd: alice})).ids.includes('9'));
});
