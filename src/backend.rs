//! Choosing where the tensors live: a GPU through wgpu (WebGPU in the browser, Vulkan, Metal or
//! DX12 natively), CUDA when built in, or burn's pure-Rust CPU backend (`flex`); and reading
//! tensors back from there.

use burn::prelude::*;

use crate::prediction::DeviceError;

/// Which backend the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// CUDA if built in and present, else a hardware wgpu adapter, else the CPU.
    #[default]
    Auto,
    /// burn's CPU backend (flex).
    Cpu,
    /// wgpu on any adapter, software ones (Mesa lavapipe, SwiftShader) included.
    Wgpu,
    /// CUDA (needs the `cuda` cargo feature).
    Cuda,
}

impl std::str::FromStr for BackendChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "auto" => Ok(BackendChoice::Auto),
            "cpu" | "flex" => Ok(BackendChoice::Cpu),
            "wgpu" | "gpu" | "webgpu" | "vulkan" => Ok(BackendChoice::Wgpu),
            "cuda" => Ok(BackendChoice::Cuda),
            _ => Err(format!("unknown device '{s}': use auto, cpu, wgpu or cuda")),
        }
    }
}

/// What kind of backend runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Cpu,
    Wgpu,
    Cuda,
}

/// A ready device and a description for the user ("wgpu: NVIDIA RTX 4090 (Vulkan)").
#[derive(Debug, Clone)]
pub struct Backend {
    pub device: Device,
    pub kind: BackendKind,
    pub description: String,
    /// Whether the adapter is a software rasteriser (lavapipe, SwiftShader).
    pub software: bool,
    /// The largest buffer a kernel can bind, in bytes (None: no limit that matters).
    pub max_tensor_bytes: Option<u64>,
    /// The wgpu device under a wgpu backend: to hear of, or (in tests) to cause, a device loss.
    #[cfg(feature = "gpu")]
    pub wgpu_device: Option<burn::tensor::wgpu::wgpu::Device>,
}

/// Why a backend could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    #[error(
        "no GPU adapter could be opened through wgpu: {0}\n  (use --device cpu, or install a Vulkan driver: Mesa's lavapipe gives a software one)"
    )]
    NoAdapter(String),
    #[error(
        "this gibbon was built without CUDA; rebuild with `cargo build --release --features cuda`, or use --device wgpu or cpu"
    )]
    CudaNotBuilt,
    #[error("CUDA is built in but no CUDA device could be used: {0}")]
    NoCuda(String),
}

impl Backend {
    /// burn's CPU backend.
    pub fn cpu() -> Self {
        Backend {
            device: Device::flex(),
            kind: BackendKind::Cpu,
            description: "cpu: burn flex (pure Rust)".into(),
            software: true,
            max_tensor_bytes: None,
            #[cfg(feature = "gpu")]
            wgpu_device: None,
        }
    }

    #[cfg(feature = "gpu")]
    fn from_wgpu(device: Device, setup: &burn::tensor::wgpu::WgpuSetup) -> Self {
        let adapter = &setup.adapter;
        let info = adapter.get_info();
        let limits = adapter.limits();
        let max_tensor_bytes = Some(
            limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
        );
        use burn::tensor::wgpu::wgpu::DeviceType;
        let software = info.device_type == DeviceType::Cpu;
        let kind = match info.device_type {
            DeviceType::DiscreteGpu => "discrete GPU",
            DeviceType::IntegratedGpu => "integrated GPU",
            DeviceType::VirtualGpu => "virtual GPU",
            DeviceType::Cpu => "software adapter",
            DeviceType::Other => "adapter",
        };
        let description = format!("wgpu: {} ({:?}, {kind})", info.name.trim(), info.backend);
        Backend {
            device,
            kind: BackendKind::Wgpu,
            description,
            software,
            max_tensor_bytes,
            wgpu_device: Some(setup.device.clone()),
        }
    }
}

/// Opens the backend the user chose. Natively the result is cached: burn's wgpu runtime can
/// only be initialised once per process.
#[cfg(not(target_arch = "wasm32"))]
pub fn select(choice: BackendChoice) -> Result<Backend, BackendError> {
    match choice {
        BackendChoice::Cpu => Ok(Backend::cpu()),
        BackendChoice::Wgpu => native_wgpu(),
        BackendChoice::Cuda => cuda(),
        BackendChoice::Auto => {
            if cfg!(feature = "cuda")
                && let Ok(backend) = cuda()
            {
                return Ok(backend);
            }
            match native_wgpu() {
                Ok(backend) if !backend.software => Ok(backend),
                _ => Ok(Backend::cpu()),
            }
        }
    }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "gpu"))]
fn native_wgpu() -> Result<Backend, BackendError> {
    use std::sync::OnceLock;
    static WGPU: OnceLock<Result<Backend, BackendError>> = OnceLock::new();
    WGPU.get_or_init(|| match Device::wgpu_options().init_with_setup() {
        Ok((device, setup)) => Ok(Backend::from_wgpu(device, &setup)),
        Err(e) => Err(BackendError::NoAdapter(e.to_string())),
    })
    .clone()
}

#[cfg(all(not(target_arch = "wasm32"), not(feature = "gpu")))]
fn native_wgpu() -> Result<Backend, BackendError> {
    Err(BackendError::NoAdapter(
        "this gibbon was built without the `gpu` feature".into(),
    ))
}

#[cfg(all(not(target_arch = "wasm32"), feature = "cuda"))]
fn cuda() -> Result<Backend, BackendError> {
    use std::sync::{Arc, Mutex};
    // cubecl-cuda panics when no driver is present, on its own threads too, and each panic
    // would print a backtrace. Keep the first panic's words for the error and print none.
    let first: Arc<Mutex<Option<String>>> = Arc::default();
    let previous = std::panic::take_hook();
    let record = first.clone();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned());
        if let (Ok(mut first), Some(text)) = (record.lock(), text) {
            first.get_or_insert(text);
        }
    }));
    let probe = std::panic::catch_unwind(|| {
        let device = Device::cuda(0);
        let x = Tensor::<1>::ones([4], &device).sum().into_data();
        (device, x)
    });
    std::panic::set_hook(previous);
    match probe {
        Ok((device, _)) => Ok(Backend {
            device,
            kind: BackendKind::Cuda,
            description: "cuda: device 0".into(),
            software: false,
            max_tensor_bytes: None,
            #[cfg(feature = "gpu")]
            wgpu_device: None,
        }),
        Err(_) => {
            // cudarc's message lists every library name it tried: keep its first sentence.
            let why = first
                .lock()
                .ok()
                .and_then(|f| f.clone())
                .unwrap_or_default();
            let why = why
                .split(" - ")
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            Err(BackendError::NoCuda(if why.is_empty() {
                "the CUDA driver did not initialise".into()
            } else {
                format!("the CUDA driver did not initialise ({why})")
            }))
        }
    }
}

#[cfg(all(not(target_arch = "wasm32"), not(feature = "cuda")))]
fn cuda() -> Result<Backend, BackendError> {
    Err(BackendError::CudaNotBuilt)
}

/// In the browser: WebGPU when `navigator.gpu` yields an adapter, else the CPU backend. The
/// second value is why the CPU was chosen, when WebGPU was asked for (the browser's words).
/// burn opens WebGPU once per worker; later calls reuse that device.
#[cfg(all(target_arch = "wasm32", feature = "gpu"))]
pub async fn select_browser(prefer_gpu: bool) -> (Backend, Option<String>) {
    if !prefer_gpu {
        return (Backend::cpu(), None);
    }
    use std::cell::RefCell;
    thread_local! {
        static WEBGPU: RefCell<Option<Result<Backend, String>>> = const { RefCell::new(None) };
    }
    if let Some(cached) = WEBGPU.with(|c| c.borrow().clone()) {
        return match cached {
            Ok(b) => (b, None),
            Err(why) => (Backend::cpu(), Some(why)),
        };
    }
    let result = match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, setup)) => Ok(Backend::from_wgpu(device, &setup)),
        Err(e) => Err(e.to_string()),
    };
    WEBGPU.with(|c| *c.borrow_mut() = Some(result.clone()));
    match result {
        Ok(b) => (b, None),
        Err(why) => (Backend::cpu(), Some(why)),
    }
}

/// In the browser's CPU worker (built without wgpu): always the CPU backend.
#[cfg(all(target_arch = "wasm32", not(feature = "gpu")))]
pub async fn select_browser(prefer_gpu: bool) -> (Backend, Option<String>) {
    let why = prefer_gpu.then(|| "this worker is the CPU-only build".to_string());
    (Backend::cpu(), why)
}

/// Reads a tensor back to the host as f32 values, whatever its dtype, without blocking (the
/// browser cannot block).
pub async fn read_values<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, DeviceError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| DeviceError(format!("{e:?}")))?;
    let data = if data.dtype() == burn::tensor::DType::F32 {
        data
    } else {
        data.convert::<f32>()
    };
    data.try_into_vec::<f32>()
        .map_err(|e| DeviceError(format!("{e:?}")))
}
