# Owns a tiny safetensors reader/writer for the reference scripts (no `safetensors` package needed).
# Format: u64 little-endian header length N, N bytes of JSON header
# {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}} padded with
# spaces to a multiple of 8, then the raw little-endian tensor bytes (offsets relative to that start).
import json
import struct

import numpy as np
import torch

# safetensors dtype name -> (torch dtype, numpy dtype used to move the bytes, element size)
_DTYPES = {
    "F64": (torch.float64, np.float64, 8),
    "F32": (torch.float32, np.float32, 4),
    "F16": (torch.float16, np.float16, 2),
    "BF16": (torch.bfloat16, np.int16, 2),  # numpy has no bfloat16: move as int16, view in torch
    "I64": (torch.int64, np.int64, 8),
    "I32": (torch.int32, np.int32, 4),
    "I16": (torch.int16, np.int16, 2),
    "I8": (torch.int8, np.int8, 1),
    "U8": (torch.uint8, np.uint8, 1),
    "BOOL": (torch.bool, np.bool_, 1),
}
_NAME_OF_TORCH_DTYPE = {v[0]: k for k, v in _DTYPES.items()}


class SafetensorsError(ValueError):
    pass


def save(path, tensors, metadata=None):
    """Writes {name: torch.Tensor} to `path` (names sorted, so the file is deterministic)."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        if t.dtype not in _NAME_OF_TORCH_DTYPE:
            raise SafetensorsError(f"{path}: tensor {name}: unsupported dtype {t.dtype}")
        dtype_name = _NAME_OF_TORCH_DTYPE[t.dtype]
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.numpy().astype(np.dtype(_DTYPES[dtype_name][1]).newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype_name, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for raw in chunks:
            f.write(raw)


def load(path, with_metadata=False):
    """Reads a safetensors file into {name: torch.Tensor}; checks every offset against the file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise SafetensorsError(f"{path}: file shorter than the 8-byte header length")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if header_len > len(blob) - 8:
        raise SafetensorsError(f"{path}: header length {header_len} exceeds file size {len(blob)}")
    try:
        header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: bad JSON header: {e}") from None
    data = memoryview(blob)[8 + header_len:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        dtype_name = info.get("dtype")
        if dtype_name not in _DTYPES:
            raise SafetensorsError(f"{path}: tensor {name}: unsupported dtype {dtype_name}")
        torch_dtype, np_dtype, size = _DTYPES[dtype_name]
        shape = [int(s) for s in info["shape"]]
        begin, end = (int(x) for x in info["data_offsets"])
        count = 1
        for s in shape:
            count *= s
        if not (0 <= begin <= end <= len(data)) or end - begin != count * size:
            raise SafetensorsError(f"{path}: tensor {name}: offsets [{begin},{end}] do not match "
                                   f"shape {shape} x {size} bytes within {len(data)} data bytes")
        array = np.frombuffer(data[begin:end], dtype=np.dtype(np_dtype).newbyteorder("<"))
        t = torch.from_numpy(array.astype(np_dtype).copy()).reshape(shape)
        if torch_dtype == torch.bfloat16:
            t = t.view(torch.bfloat16)
        tensors[name] = t
    return (tensors, metadata) if with_metadata else tensors


if __name__ == "__main__":
    # Round-trip self-test: python3 st.py
    import os
    import tempfile
    g = torch.Generator().manual_seed(0)
    original = {
        "f32": torch.randn(3, 5, generator=g),
        "f16": torch.randn(4, generator=g).half(),
        "bf16": torch.randn(2, 3, generator=g).bfloat16(),
        "i64": torch.arange(-6, 6).reshape(3, 4),
        "i32": torch.arange(7, dtype=torch.int32),
        "scalar": torch.tensor(1.5),
    }
    path = os.path.join(tempfile.mkdtemp(), "t.safetensors")
    save(path, original, {"note": "round trip"})
    back, meta = load(path, with_metadata=True)
    ok = meta == {"note": "round trip"} and set(back) == set(original)
    for k in original:
        ok = ok and back[k].dtype == original[k].dtype and torch.equal(back[k], original[k])
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
    ok = ok and n % 8 == 0
    print("st.py round trip:", "PASS" if ok else "FAIL")
    raise SystemExit(0 if ok else 1)
