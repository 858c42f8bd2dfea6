//! Channel backups: download them (all, or one channel's), check a backup file against the
//! node, restore from one with a plain account of what happens next, and keep the newest
//! backup downloaded as channels change.

use leptos::prelude::*;

use crate::components::{DownloadButton, ErrorView, Needs, read_chosen_file as on_file};
use crate::format::{ago, channel_point as point_text, middle_ellipsis};
use crate::lnd::{LndError, rpc};
use crate::state::{Backups, Session, now, packed};

#[component]
pub fn BackupsPage() -> impl IntoView {
    view! {
        <ExportCard/>
        <VerifyCard/>
        <Needs rpc=rpc::RESTORE_CHANNEL_BACKUPS.path title="Restore channels" what="restore channels">
            <RestoreCard/>
        </Needs>
    }
}

#[component]
fn ExportCard() -> impl IntoView {
    let session = Session::get();
    let backups = Backups::get();
    let export = Action::new_local(move |_: &()| async move { session.lnd.get_untracked().ok_or(LndError::Disconnected)?.export_all_channel_backups().await });
    // The export just made, or else the newest snapshot the node sent.
    let shown = move || export.value().get().and_then(Result::ok).or_else(|| backups.latest.get().map(|(_, s)| s));
    view! {
        <section class="card stack">
            <h2>"Channel backups"</h2>
            <p class="small">
                "A channel backup lets you recover the funds in your channels if this node's data is lost: restoring it "
                "asks each peer to close the channel, and your share returns to your on-chain wallet. Keep it with your "
                "seed words; it holds no keys, and only your seed can use it."
            </p>
            <div class="row">
                <button type="button" class="primary" name="export-backups" disabled=export.pending() on:click=move |_| { export.dispatch_local(()); }>"Back up all channels"</button>
            </div>
            <label class="check">
                <input type="checkbox" name="backup-auto" prop:checked=backups.auto_download on:change=move |ev| backups.auto_download.set(event_target_checked(&ev))/>
                "Keep me safe: download a new backup whenever a channel opens or closes (while the app is open)"
            </label>
            <p class="muted small" id="backup-latest">
                {move || match backups.latest.get() {
                    Some((at, s)) => format!("Newest backup from the node: {} ({} channels)", ago(at, now()), s.multi_chan_backup.map_or(0, |m| m.chan_points.len())),
                    None => "The node sends a new backup when a channel opens or closes.".to_string(),
                }}
            </p>
            {move || export.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            {move || shown().map(|s| {
                let points: Vec<String> = s.multi_chan_backup.as_ref().map(|m| m.chan_points.iter().map(point_text).collect()).unwrap_or_default();
                let singles = s.single_chan_backups.clone().map(|b| b.chan_backups).unwrap_or_default();
                view! {
                    <div class="stack" id="backup-export">
                        <p>{format!("Backup of {}", crate::format::counted(points.len() as u64, "channel"))}</p>
                        {let data = packed(&s); if data.is_empty() {
                            view! { <p class="warning small">"The node sent a backup without its packed file, so there is nothing to save as channel.backup. Back up again; if it stays empty, run lncli exportchanbackup --all --output_file channel.backup on the node."</p> }.into_any()
                        } else {
                            view! { <DownloadButton name="download-backup" filename="channel.backup" data=data label="Download channel.backup"/> }.into_any()
                        }}
                        <ul class="rows">
                            {singles.into_iter().map(|b| {
                                let point = b.chan_point.as_ref().map(point_text).unwrap_or_default();
                                let file = format!("channel-{}.backup", point.replace(':', "-"));
                                view! {
                                    <li>
                                        <span class="mono small" title=point.clone()>{middle_ellipsis(&point, 12)}</span>
                                        <DownloadButton name="download-single" filename=file data=b.chan_backup label="This channel only"/>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn VerifyCard() -> impl IntoView {
    let session = Session::get();
    let backups = Backups::get();
    let file: RwSignal<Option<Result<Vec<u8>, LndError>>> = RwSignal::new(None);
    let verify = Action::new_local(move |bytes: &Vec<u8>| {
        let bytes = bytes.clone();
        async move { session.lnd.get_untracked().ok_or(LndError::Disconnected)?.verify_chan_backup(bytes).await }
    });
    let check_file = move |_| match file.get_untracked() {
        Some(Ok(bytes)) => {
            verify.dispatch_local(bytes);
        }
        _ => verify.value().set(Some(Err(LndError::Input("Choose a channel backup file first".into())))),
    };
    let check_latest = move |_| match backups.latest.get_untracked() {
        Some((_, s)) => {
            verify.dispatch_local(packed(&s));
        }
        None => verify.value().set(Some(Err(LndError::Input("No backup yet: back up your channels first".into())))),
    };
    view! {
        <section class="card stack">
            <h2>"Check a backup"</h2>
            <p class="small">"The node checks that the file is a backup of this wallet (made with the same seed) and lists the channels it covers."</p>
            <input type="file" name="verify-file" aria-label="Choose a channel backup file to check" on:change=on_file(file)/>
            {move || file.get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            <div class="row">
                <button type="button" name="verify-backup" disabled=verify.pending() on:click=check_file>"Check this file"</button>
                <button type="button" name="verify-latest" disabled=verify.pending() on:click=check_latest>"Check the newest backup"</button>
            </div>
            {move || verify.value().get().map(|r| match r {
                Ok(points) => view! {
                    <div class="progress" id="verify-result">
                        <p>{format!("Valid: a backup of this wallet covering {}.", crate::format::counted(points.len() as u64, "channel"))}</p>
                        <ul class="small mono">{points.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn RestoreCard() -> impl IntoView {
    let session = Session::get();
    let file: RwSignal<Option<Result<Vec<u8>, LndError>>> = RwSignal::new(None);
    let confirm = RwSignal::new(false);
    let restore = Action::new_local(move |bytes: &Vec<u8>| {
        let bytes = bytes.clone();
        async move { session.lnd.get_untracked().ok_or(LndError::Disconnected)?.restore_channel_backups(bytes).await }
    });
    let go = move |_| match file.get_untracked() {
        Some(Ok(bytes)) => {
            restore.dispatch_local(bytes);
        }
        _ => restore.value().set(Some(Err(LndError::Input("Choose the channel.backup file to restore from".into())))),
    };
    view! {
        <section class="card stack">
            <h2>"Restore channels"</h2>
            <p class="small">
                "Only after losing this node's channel data. Restoring does not reopen channels: each channel in the "
                "backup comes back as a recovered channel, its peer is asked to close it, and once that closing "
                "transaction confirms your share returns to your on-chain wallet (a peer that is offline closes when it "
                "reconnects). Follow the progress on the Channels page."
            </p>
            <input type="file" name="restore-file" aria-label="Choose the channel backup file to restore from" on:change=on_file(file)/>
            {move || file.get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            <label class="check">
                <input type="checkbox" name="restore-confirm" prop:checked=confirm on:change=move |ev| confirm.set(event_target_checked(&ev))/>
                "I lost this node's channel data and want my peers to close these channels"
            </label>
            <button type="button" class="danger" name="restore-backup" disabled=move || !confirm.get() || restore.pending().get() on:click=go>"Restore"</button>
            {move || restore.value().get().map(|r| match r {
                Ok(n) => view! {
                    <p class="progress" id="restore-result">
                        {format!("{} restored. ", crate::format::counted(n as u64, "channel"))}
                        <a href="/channels">"Watch them close on the Channels page"</a>
                    </p>
                }.into_any(),
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}
