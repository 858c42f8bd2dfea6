//! The camera view that reads a QR code. The browser's own BarcodeDetector is used where it
//! exists (Chrome on Android); elsewhere frames go to the scanner worker (`scanner/`, rqrr),
//! which the browser fetches only when a scan starts, so none of its code is in the first
//! load. The camera stops when a code is read and when the view goes away. A picture of a
//! code (a screenshot, on a desktop without a camera) is read the same way. Where the
//! device has more than one camera the view can switch between them (a phone's default rear
//! lens may be one that cannot focus close), and the one chosen is opened next time; where
//! the camera has a light, it can be turned on.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use js_sys::{Array, Object, Promise, Reflect};
use leptos::prelude::*;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream, MediaStreamConstraints, MessageEvent, Worker};

/// The worker Trunk builds from `scanner/` (its loader starts the wasm).
const WORKER: &str = "./scanner_loader.js";
const EVERY: Duration = Duration::from_millis(250);
/// The camera last chosen (a device id, which browsers keep per site; nothing secret).
const CAMERA_KEY: &str = "lightdeck.camera";

/// Why the camera cannot be used, in words.
fn camera_problem(e: &JsValue) -> String {
    let name = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name())).unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => "Lightdeck may not use the camera. Allow it in the browser's settings for this site, or paste instead.".into(),
        "NotFoundError" | "OverconstrainedError" => "This device has no camera Lightdeck can use; paste instead.".into(),
        "NotReadableError" | "AbortError" => "The camera is busy (another app may be using it). Close that app and try again, or paste instead.".into(),
        _ => "The camera could not be opened; paste instead.".into(),
    }
}

/// Opens `device`, or the camera facing away from the user where there is one.
async fn open_camera(device: Option<&str>) -> Result<MediaStream, String> {
    let media = web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        .ok_or("The camera works only on an https page (or this device's own address); paste instead.")?;
    let constraints = MediaStreamConstraints::new();
    let video = Object::new();
    match device {
        Some(id) => {
            let exact = Object::new();
            let _ = Reflect::set(&exact, &"exact".into(), &id.into());
            let _ = Reflect::set(&video, &"deviceId".into(), &exact);
        }
        None => {
            let _ = Reflect::set(&video, &"facingMode".into(), &"environment".into());
        }
    }
    constraints.set_video(&video);
    let promise = media.get_user_media_with_constraints(&constraints).map_err(|e| camera_problem(&e))?;
    JsFuture::from(promise).await.map(JsCast::unchecked_into).map_err(|e| camera_problem(&e))
}

/// Shows `stream` in the view's video.
async fn play(el: &HtmlVideoElement, stream: &MediaStream) {
    el.set_src_object(Some(stream));
    if let Ok(p) = el.play() {
        let _ = JsFuture::from(p).await;
    }
}

/// The device ids of the cameras, in the browser's order (complete once the camera is
/// allowed).
async fn camera_ids() -> Vec<String> {
    let Some(listed) = web_sys::window().and_then(|w| w.navigator().media_devices().ok()).and_then(|m| m.enumerate_devices().ok()) else {
        return Vec::new();
    };
    let Ok(devices) = JsFuture::from(listed).await else { return Vec::new() };
    let text = |d: &JsValue, key: &str| Reflect::get(d, &key.into()).ok().and_then(|v| v.as_string());
    Array::from(&devices)
        .iter()
        .filter(|d| text(d, "kind").as_deref() == Some("videoinput"))
        .filter_map(|d| text(&d, "deviceId"))
        .filter(|id| !id.is_empty())
        .collect()
}

/// Calls a method web-sys does not type for us (a camera's light is in none of its
/// dictionaries).
fn call(target: &JsValue, name: &str, args: &Array) -> Option<JsValue> {
    let method: js_sys::Function = Reflect::get(target, &name.into()).ok()?.dyn_into().ok()?;
    method.apply(target, args).ok()
}

fn video_track(stream: &MediaStream) -> Option<web_sys::MediaStreamTrack> {
    stream.get_video_tracks().get(0).dyn_into().ok()
}

/// The device a stream's camera is, and whether it has a light.
fn describe(stream: &MediaStream) -> (Option<String>, bool) {
    let Some(track) = video_track(stream) else { return (None, false) };
    let id = call(&track, "getSettings", &Array::new()).and_then(|s| Reflect::get(&s, &"deviceId".into()).ok()).and_then(|v| v.as_string());
    let light = call(&track, "getCapabilities", &Array::new()).and_then(|c| Reflect::get(&c, &"torch".into()).ok()).is_some_and(|t| t.is_truthy());
    (id, light)
}

/// Turns the camera's light on or off; whether the camera did it.
async fn set_light(stream: &MediaStream, on: bool) -> bool {
    let Some(track) = video_track(stream) else { return false };
    let light = Object::new();
    let _ = Reflect::set(&light, &"torch".into(), &on.into());
    let constraints = Object::new();
    let _ = Reflect::set(&constraints, &"advanced".into(), &Array::of1(&light));
    match call(&track, "applyConstraints", &Array::of1(&constraints)).and_then(|p| p.dyn_into::<Promise>().ok()) {
        Some(done) => JsFuture::from(done).await.is_ok(),
        None => false,
    }
}

/// The browser's own QR reader, when it has one that reads QR codes.
async fn native_detector() -> Option<Object> {
    let window = web_sys::window()?;
    let class = Reflect::get(&window, &"BarcodeDetector".into()).ok().filter(|c| c.is_function())?;
    let formats: Promise =
        Reflect::get(&class, &"getSupportedFormats".into()).ok()?.dyn_into::<js_sys::Function>().ok()?.call0(&class).ok()?.dyn_into().ok()?;
    let formats: Array = JsFuture::from(formats).await.ok()?.dyn_into().ok()?;
    if !formats.includes(&"qr_code".into(), 0) {
        return None;
    }
    let options = Object::new();
    let _ = Reflect::set(&options, &"formats".into(), &Array::of1(&"qr_code".into()));
    Reflect::construct(class.unchecked_ref::<js_sys::Function>(), &Array::of1(&options)).ok()?.dyn_into().ok()
}

/// The text of a code BarcodeDetector found in `image` (a video's current frame, a picture).
async fn detect_native(detector: &Object, image: &JsValue) -> Option<String> {
    let detect: js_sys::Function = Reflect::get(detector, &"detect".into()).ok()?.dyn_into().ok()?;
    let found: Array = JsFuture::from(detect.call1(detector, image).ok()?.dyn_into::<Promise>().ok()?).await.ok()?.dyn_into().ok()?;
    Reflect::get(&found.get(0), &"rawValue".into()).ok()?.as_string()
}

/// A 2D canvas holding an image of `w` by `h` drawn by `draw`, and its pixels.
fn pixels(canvas: &HtmlCanvasElement, w: u32, h: u32, draw: impl FnOnce(&CanvasRenderingContext2d) -> bool) -> Option<web_sys::ImageData> {
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx = canvas.get_context("2d").ok().flatten()?.dyn_into::<CanvasRenderingContext2d>().ok()?;
    draw(&ctx).then(|| ctx.get_image_data(0.0, 0.0, f64::from(w), f64::from(h)).ok()).flatten()
}

fn new_canvas() -> Option<HtmlCanvasElement> {
    web_sys::window().and_then(|w| w.document()).and_then(|d| d.create_element("canvas").ok()).and_then(|c| c.dyn_into().ok())
}

/// The text of the QR code in a picture the user chose.
pub async fn read_picture(file: web_sys::File) -> Result<String, String> {
    const NOT_A_PICTURE: &str = "That file is not a picture this browser can open; choose a PNG or JPEG.";
    const STOPPED: &str = "The QR reader did not answer; try again, or paste instead.";
    const NONE_FOUND: &str = "No QR code was found in that picture. Choose one where the code is sharp and whole, or paste instead.";
    let window = web_sys::window().ok_or(NOT_A_PICTURE)?;
    let promise = window.create_image_bitmap_with_blob(&file).map_err(|_| NOT_A_PICTURE)?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise).await.map_err(|_| NOT_A_PICTURE)?.unchecked_into();
    if let Some(detector) = native_detector().await {
        return detect_native(&detector, &bitmap).await.ok_or_else(|| NONE_FOUND.to_string());
    }
    let canvas = new_canvas().ok_or(NOT_A_PICTURE)?;
    let image = pixels(&canvas, bitmap.width(), bitmap.height(), |ctx| ctx.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0).is_ok()).ok_or(NOT_A_PICTURE)?;
    let worker = WorkerScan::start().ok_or("This browser cannot read QR codes here; paste instead.")?;
    // A message that reaches the worker before its wasm has started is not seen, so the
    // picture is handed over again while no answer came (the answer is the same each time).
    for _ in 0..RESTARTS * 2 {
        worker.post(&image);
        let asked = js_sys::Date::now();
        while js_sys::Date::now() - asked < FRAME_PATIENCE_MS / 3.0 {
            gloo_timers::future::sleep(Duration::from_millis(100)).await;
            let r = worker.replies.borrow().clone();
            if r.broken {
                return Err(STOPPED.into());
            }
            if r.waiting_since.is_none() {
                return r.found.ok_or_else(|| NONE_FOUND.to_string());
            }
        }
    }
    Err(STOPPED.into())
}

/// What the worker has said: a frame is out since (ms), a code it read, or that it broke.
#[derive(Default, Clone)]
struct Replies {
    waiting_since: Option<f64>,
    found: Option<String>,
    broken: bool,
}

/// A frame that takes longer than this is given up, and the worker with it.
const FRAME_PATIENCE_MS: f64 = 5_000.0;
/// How often a broken worker (a panic in the reader, a script that did not load) is
/// started again before the page says it cannot read codes.
const RESTARTS: u32 = 3;

/// The worker and what it said.
struct WorkerScan {
    worker: Worker,
    replies: Rc<RefCell<Replies>>,
    _on_answer: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::Event)>,
}

impl WorkerScan {
    fn start() -> Option<Self> {
        let worker = Worker::new(WORKER).ok()?;
        let replies = Rc::new(RefCell::new(Replies::default()));
        let seen = Rc::clone(&replies);
        let on_answer = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
            let mut r = seen.borrow_mut();
            r.waiting_since = None;
            r.found = ev.data().as_string();
        });
        let broke = Rc::clone(&replies);
        let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_| broke.borrow_mut().broken = true);
        worker.set_onmessage(Some(on_answer.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(on_error.as_ref().unchecked_ref()));
        Some(WorkerScan { worker, replies, _on_answer: on_answer, _on_error: on_error })
    }

    /// Sends the frame unless one is still being read; a code read since, or `Err` when the
    /// worker broke or stopped answering.
    fn offer(&self, canvas: &HtmlCanvasElement, video: &HtmlVideoElement) -> Result<Option<String>, ()> {
        let now = js_sys::Date::now();
        let r = self.replies.borrow().clone();
        if r.broken || r.waiting_since.is_some_and(|t| now - t > FRAME_PATIENCE_MS) {
            return Err(());
        }
        if r.found.is_some() || r.waiting_since.is_some() {
            return Ok(r.found);
        }
        let (w, h) = (video.video_width(), video.video_height());
        if w == 0 || h == 0 {
            return Ok(None);
        }
        if let Some(image) = pixels(canvas, w, h, |ctx| ctx.draw_image_with_html_video_element(video, 0.0, 0.0).is_ok()) {
            self.post(&image);
        }
        Ok(None)
    }

    /// Hands one image to the worker, which answers with the text of a code in it, or none.
    fn post(&self, image: &web_sys::ImageData) {
        let frame = Object::new();
        let _ = Reflect::set(&frame, &"width".into(), &image.width().into());
        let _ = Reflect::set(&frame, &"height".into(), &image.height().into());
        let data = js_sys::Uint8ClampedArray::from(image.data().0.as_slice());
        let _ = Reflect::set(&frame, &"data".into(), &data);
        if self.worker.post_message_with_transfer(&frame, &Array::of1(&data.buffer())).is_ok() {
            self.replies.borrow_mut().waiting_since = Some(js_sys::Date::now());
        }
    }
}

impl Drop for WorkerScan {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn stop(stream: &MediaStream) {
    for track in stream.get_tracks() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// Shows the camera until a QR code is read (its text goes to `on_text`) or the view is
/// taken away.
#[component]
pub fn Scanner(on_text: Callback<String>) -> impl IntoView {
    let video = NodeRef::<leptos::html::Video>::new();
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let looking = RwSignal::new(false);
    let camera: StoredValue<Option<MediaStream>, LocalStorage> = StoredValue::new_local(None);
    // The device's cameras, the one showing, the one the user asked for, and its light
    // (None: it has none).
    let cameras: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let showing: RwSignal<Option<String>> = RwSignal::new(None);
    let wanted: RwSignal<Option<String>> = RwSignal::new(None);
    let light: RwSignal<Option<bool>> = RwSignal::new(None);
    // Set when the view goes away. The task is not tied to the view: a camera the browser
    // grants after the view is gone must still be found and stopped, not left running.
    let closed = Arc::new(AtomicBool::new(false));
    on_cleanup({
        let closed = Arc::clone(&closed);
        move || {
            closed.store(true, Ordering::Relaxed);
            if let Some(s) = camera.try_get_value().flatten() {
                stop(&s);
            }
        }
    });
    let shown = move |stream: &MediaStream| {
        // The view may have gone while the camera started (its stored value with it).
        let _ = camera.try_update_value(|c| *c = Some(stream.clone()));
        let (id, has_light) = describe(stream);
        let _ = showing.try_set(id);
        let _ = light.try_set(has_light.then_some(false));
    };
    leptos::task::spawn_local(async move {
        let gone = || closed.load(Ordering::Relaxed);
        // A camera the view can show: not one that opened after the view went away.
        let usable = |opened: Result<MediaStream, String>| match opened {
            Ok(s) if gone() => {
                stop(&s);
                None
            }
            Ok(s) => Some(s),
            Err(e) => {
                let _ = problem.try_set(Some(e));
                None
            }
        };
        let saved = crate::state::storage().and_then(|s| s.get_item(CAMERA_KEY).ok().flatten());
        // A camera chosen before that is no longer there: the default one instead.
        let opened = match open_camera(saved.as_deref()).await {
            Err(_) if saved.is_some() => open_camera(None).await,
            opened => opened,
        };
        let Some(mut stream) = usable(opened) else { return };
        let Some(el) = video.get_untracked() else { return stop(&stream) };
        play(&el, &stream).await;
        shown(&stream);
        let _ = cameras.try_set(camera_ids().await);
        let _ = looking.try_set(true);
        let native = native_detector().await;
        let mut worker = if native.is_none() { WorkerScan::start() } else { None };
        let canvas = new_canvas();
        let cannot = "This browser cannot read QR codes here; paste instead.";
        if native.is_none() && (worker.is_none() || canvas.is_none()) {
            stop(&stream);
            let _ = problem.try_set(Some(cannot.into()));
            return;
        }
        let mut restarts = 0;
        while !gone() {
            gloo_timers::future::sleep(EVERY).await;
            // Another camera asked for: this one is let go before the next is opened (a
            // phone may not run two at once).
            if let Some(id) = wanted.try_get_untracked().flatten().filter(|id| showing.try_get_untracked().flatten().as_ref() != Some(id)) {
                stop(&stream);
                let Some(next) = usable(open_camera(Some(&id)).await) else { return };
                stream = next;
                play(&el, &stream).await;
                shown(&stream);
                // Whatever the camera calls itself, asking for it again would not help.
                let _ = wanted.try_set(None);
                if let Some(s) = crate::state::storage() {
                    let _ = s.set_item(CAMERA_KEY, &id);
                }
                continue;
            }
            let found = match (&native, &worker, &canvas) {
                (Some(d), _, _) => detect_native(d, &el).await,
                (None, Some(w), Some(c)) => match w.offer(c, &el) {
                    Ok(found) => found,
                    Err(()) if restarts < RESTARTS => {
                        restarts += 1;
                        worker = WorkerScan::start();
                        None
                    }
                    Err(()) => {
                        stop(&stream);
                        let _ = problem.try_set(Some("The QR reader stopped working; close the camera and try again, or paste instead.".into()));
                        return;
                    }
                },
                _ => None,
            };
            if let Some(text) = found.filter(|_| !gone()) {
                stop(&stream);
                on_text.run(text);
                return;
            }
        }
        stop(&stream);
    });
    let next_camera = move |_| {
        let all = cameras.get_untracked();
        let now = showing.get_untracked().and_then(|id| all.iter().position(|c| *c == id));
        let next = now.map_or(0, |i| (i + 1) % all.len().max(1));
        wanted.set(all.get(next).cloned());
    };
    let toggle_light = move |_| {
        let on = light.get_untracked() != Some(true);
        let Some(stream) = camera.try_get_value().flatten() else { return };
        leptos::task::spawn_local(async move {
            if set_light(&stream, on).await {
                let _ = light.try_set(Some(on));
            } else {
                let _ = problem.try_set(Some("The camera's light did not turn on; scan in a brighter place, or paste instead.".into()));
            }
        });
    };
    view! {
        <div class="stack scanner" id="scanner">
            <video node_ref=video class="scanner-video" autoplay=true muted=true playsinline=true></video>
            <p class="small muted" role="status">
                {move || if looking.get() { "Point the camera at a QR code: an invoice, a Lightning Address, an LNURL or a bitcoin: link." } else { "Opening the camera…" }}
            </p>
            {move || {
                let switch = cameras.get().len() > 1;
                let lit = light.get();
                (switch || lit.is_some()).then(|| view! {
                    <div class="row scanner-controls">
                        {switch.then(|| view! { <button type="button" name="switch-camera" on:click=next_camera>"Switch camera"</button> })}
                        {lit.map(|on| view! {
                            <button type="button" name="camera-light" aria-pressed=on.to_string() on:click=toggle_light>
                                {if on { "Light off" } else { "Light on" }}
                            </button>
                        })}
                    </div>
                })
            }}
            {move || problem.get().map(|p| view! { <crate::components::ErrorView error=crate::lnd::LndError::Input(p)/> })}
        </div>
    }
}
