// core/spm/spm_shim.cpp: librgtg_spm.so, the only code that touches SentencePiece's C++ API.
//
// It exports a small C ABI (the rgtg_spm_shim_* functions, all else hidden) that spm.c reaches
// through dlopen/dlsym, so that libsentencepiece's bundled protobuf never meets libtorch's. No C++
// exception and no sentencepiece::util::Status crosses the boundary: failures return an
// rgtg_status_t code and write a one-line message into the caller's buffer.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

extern "C" {
#include "../status.h"
#include "spm_shim_abi.h"
}

#define RGTG_SPM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

struct Processor {
    sentencepiece::SentencePieceProcessor sp;
    std::string model_proto; // the serialized ModelProto, for rgtg_spm_shim_model_proto
    // For rgtg_spm_shim_piecewise_match, built on first use: what Decode gives for each id alone,
    // and the byte of each byte piece (-1 for other pieces).
    mutable std::once_flag surfaces_once;
    mutable std::vector<std::string> surfaces;
    mutable std::vector<int> byte_of;
};

// A maximal run of byte pieces decodes to its bytes only when they are valid UTF-8 (SentencePiece
// writes U+FFFD for each byte of an invalid sequence): shortest form, no surrogates, at most U+10FFFF.
bool valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char lead = s[i];
        size_t len = lead < 0x80 ? 1 : (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 : (lead & 0xf8) == 0xf0 ? 4 : 0;
        if (len == 0 || i + len > n) return false;
        uint32_t cp = len == 1 ? lead : lead & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        static const uint32_t shortest[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < shortest[len] || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff) return false;
        i += len;
    }
    return true;
}

// The trainer keeps process-wide state (log level, random seed): one training at a time.
std::mutex train_mutex;

int write_error(char *error, size_t error_capacity, int status, const std::string &message) {
    if (error != nullptr && error_capacity > 0) std::snprintf(error, error_capacity, "%s", message.c_str());
    return status;
}

// Missing or unreadable files are I/O errors; everything else SentencePiece reports is about content.
int status_from_spm(const sentencepiece::util::Status &status) {
    switch (status.code()) {
    case sentencepiece::util::StatusCode::kNotFound:
    case sentencepiece::util::StatusCode::kPermissionDenied:
        return RGTG_ERR_IO;
    case sentencepiece::util::StatusCode::kInvalidArgument:
    case sentencepiece::util::StatusCode::kOutOfRange:
        return RGTG_ERR_INVALID;
    case sentencepiece::util::StatusCode::kResourceExhausted:
        return RGTG_ERR_NOMEM;
    default:
        return RGTG_ERR_FORMAT;
    }
}

// SentencePiece messages sometimes span lines; the project's errors are one line.
std::string one_line(std::string text) {
    for (char &c : text)
        if (c == '\n' || c == '\r') c = ' ';
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

// SentencePiece reserves seed 0xFFFFFFFF for "seed from std::random_device"; fold 64 bits into 32
// and step off the reserved value so every seed is deterministic.
unsigned int spm_seed_from(uint64_t seed) {
    uint32_t folded = static_cast<uint32_t>(seed) ^ static_cast<uint32_t>(seed >> 32);
    if (folded == 0xFFFFFFFFu) folded = 0xFFFFFFFEu;
    return folded;
}

// Flushes a file (or folder) to disk so that a crash after the rename cannot leave an empty model.
bool fsync_path(const std::string &path, int flags) {
    int fd = open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return false;
    bool synced = fsync(fd) == 0;
    close(fd);
    return synced;
}

std::string folder_of(const std::string &path) {
    size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

RGTG_SPM_EXPORT int rgtg_spm_shim_abi_version(void) { return RGTG_SPM_SHIM_ABI_VERSION; }

RGTG_SPM_EXPORT int rgtg_spm_shim_load(const char *model_path, void **out, char *error, size_t error_capacity) {
    *out = nullptr;
    try {
        auto processor = std::make_unique<Processor>();
        sentencepiece::util::Status status = processor->sp.Load(model_path);
        if (!status.ok()) return write_error(error, error_capacity, status_from_spm(status), one_line(status.ToString()));
        processor->model_proto = processor->sp.serialized_model_proto();
        *out = processor.release();
        return RGTG_OK;
    } catch (const std::bad_alloc &) {
        return write_error(error, error_capacity, RGTG_ERR_NOMEM, "out of memory while loading the model");
    } catch (const std::exception &e) {
        return write_error(error, error_capacity, RGTG_ERR_FORMAT, one_line(e.what()));
    }
}

RGTG_SPM_EXPORT void rgtg_spm_shim_free(void *processor) { delete static_cast<Processor *>(processor); }

RGTG_SPM_EXPORT int rgtg_spm_shim_piece_size(const void *processor) {
    return static_cast<const Processor *>(processor)->sp.GetPieceSize();
}

// which: 0 unk, 1 bos, 2 eos, 3 pad; -1 when the model does not define that piece.
RGTG_SPM_EXPORT int rgtg_spm_shim_special_id(const void *processor, int which) {
    const sentencepiece::SentencePieceProcessor &sp = static_cast<const Processor *>(processor)->sp;
    switch (which) {
    case 0: return sp.unk_id();
    case 1: return sp.bos_id();
    case 2: return sp.eos_id();
    case 3: return sp.pad_id();
    default: return -1;
    }
}

// The serialized ModelProto the model was loaded from (owned by the processor): spm_settings.c reads
// its trainer_spec and normalizer_spec.
RGTG_SPM_EXPORT void rgtg_spm_shim_model_proto(const void *processor, const char **data, size_t *size) {
    const std::string &proto = static_cast<const Processor *>(processor)->model_proto;
    *data = proto.data();
    *size = proto.size();
}

RGTG_SPM_EXPORT const char *rgtg_spm_shim_id_to_piece(const void *processor, int id) {
    const sentencepiece::SentencePieceProcessor &sp = static_cast<const Processor *>(processor)->sp;
    if (id < 0 || id >= sp.GetPieceSize()) return nullptr;
    return sp.IdToPiece(id).c_str();
}

RGTG_SPM_EXPORT int rgtg_spm_shim_piece_to_id(const void *processor, const char *piece) {
    return static_cast<const Processor *>(processor)->sp.PieceToId(piece);
}

// ids_out is malloc'd (never NULL on success, even for zero ids); the caller frees it with free().
RGTG_SPM_EXPORT int rgtg_spm_shim_encode(const void *processor, const char *text, size_t length, int32_t **ids_out,
                                         size_t *count_out, char *error, size_t error_capacity) {
    *ids_out = nullptr;
    *count_out = 0;
    try {
        std::vector<int> ids;
        sentencepiece::util::Status status =
            static_cast<const Processor *>(processor)->sp.Encode(std::string(text, length), &ids);
        if (!status.ok()) return write_error(error, error_capacity, status_from_spm(status), one_line(status.ToString()));
        int32_t *copy = static_cast<int32_t *>(std::malloc((ids.empty() ? 1 : ids.size()) * sizeof *copy));
        if (copy == nullptr) return write_error(error, error_capacity, RGTG_ERR_NOMEM, "out of memory while encoding");
        for (size_t i = 0; i < ids.size(); i++) copy[i] = ids[i];
        *ids_out = copy;
        *count_out = ids.size();
        return RGTG_OK;
    } catch (const std::bad_alloc &) {
        return write_error(error, error_capacity, RGTG_ERR_NOMEM, "out of memory while encoding");
    } catch (const std::exception &e) {
        return write_error(error, error_capacity, RGTG_ERR_FORMAT, one_line(e.what()));
    }
}

// Whether ids decode to text exactly, checked piece by piece: each piece's surface as SentencePiece
// decodes it alone, each run of byte pieces as its bytes (valid UTF-8). It equals Decode for models
// whose decoder works piece by piece (no dummy prefix to strip, no whitespace folding, whitespace as
// prefix, no denormalizer: spm.c checks) and costs a small part of it. 1: the text comes back, 0: it
// does not or this cannot tell (the caller then runs Decode), -1: an error (the caller runs Decode).
RGTG_SPM_EXPORT int rgtg_spm_shim_piecewise_match(const void *processor, const char *text, size_t length,
                                                  const int32_t *ids, size_t count) {
    try {
        const Processor &p = *static_cast<const Processor *>(processor);
        const int piece_size = p.sp.GetPieceSize();
        std::call_once(p.surfaces_once, [&p, piece_size]() {
            p.surfaces.resize(piece_size);
            p.byte_of.assign(piece_size, -1);
            for (int id = 0; id < piece_size; id++) {
                if (p.sp.IsByte(id)) // pieces <0x00> .. <0xFF>
                    p.byte_of[id] = static_cast<int>(std::strtol(p.sp.IdToPiece(id).c_str() + 3, nullptr, 16));
                else if (!p.sp.IsControl(id))
                    p.surfaces[id] = p.sp.DecodeIds({id});
            }
        });
        size_t at = 0, run_start = 0;
        bool in_run = false;
        for (size_t i = 0; i < count; i++) {
            const int id = ids[i];
            if (id < 0 || id >= piece_size) return -1;
            if (p.byte_of[id] >= 0) {
                if (!in_run) run_start = at, in_run = true;
                if (at >= length || static_cast<unsigned char>(text[at]) != p.byte_of[id]) return 0;
                at++;
                continue;
            }
            if (in_run && !valid_utf8(reinterpret_cast<const unsigned char *>(text) + run_start, at - run_start)) return 0;
            in_run = false;
            const std::string &surface = p.surfaces[id];
            if (surface.size() > length - at || std::memcmp(text + at, surface.data(), surface.size()) != 0) return 0;
            at += surface.size();
        }
        if (in_run && !valid_utf8(reinterpret_cast<const unsigned char *>(text) + run_start, at - run_start)) return 0;
        return at == length ? 1 : 0;
    } catch (const std::exception &) {
        return -1;
    }
}

// Control pieces (bos, eos, pad) are dropped; an id outside [0, piece size) is an error.
RGTG_SPM_EXPORT int rgtg_spm_shim_decode(const void *processor, const int32_t *ids, size_t count, char **text_out,
                                         char *error, size_t error_capacity) {
    *text_out = nullptr;
    try {
        const sentencepiece::SentencePieceProcessor &sp = static_cast<const Processor *>(processor)->sp;
        const int piece_size = sp.GetPieceSize();
        std::vector<int> kept;
        kept.reserve(count);
        for (size_t i = 0; i < count; i++) {
            if (ids[i] < 0 || ids[i] >= piece_size)
                return write_error(error, error_capacity, RGTG_ERR_INVALID,
                                   "id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                                       " is outside the vocabulary [0, " + std::to_string(piece_size) + ")");
            if (!sp.IsControl(ids[i])) kept.push_back(ids[i]);
        }
        std::string text;
        sentencepiece::util::Status status = sp.Decode(kept, &text);
        if (!status.ok()) return write_error(error, error_capacity, status_from_spm(status), one_line(status.ToString()));
        char *copy = static_cast<char *>(std::malloc(text.size() + 1));
        if (copy == nullptr) return write_error(error, error_capacity, RGTG_ERR_NOMEM, "out of memory while decoding");
        std::memcpy(copy, text.data(), text.size());
        copy[text.size()] = '\0';
        *text_out = copy;
        return RGTG_OK;
    } catch (const std::bad_alloc &) {
        return write_error(error, error_capacity, RGTG_ERR_NOMEM, "out of memory while decoding");
    } catch (const std::exception &e) {
        return write_error(error, error_capacity, RGTG_ERR_FORMAT, one_line(e.what()));
    }
}

namespace {

// Reads the training text one line at a time (the iterator interface of SentencePieceTrainer).
// Training through an iterator into a serialized model keeps the input path and the output prefix
// out of the model's trainer_spec, so the same text, parameters and seed give the same model bytes
// whatever the file names (the path-based trainer records both, and the prefix held the pid).
class LineIterator : public sentencepiece::SentenceIterator {
  public:
    explicit LineIterator(const char *path) : file_(std::fopen(path, "rb")), path_(path) {
        if (file_ == nullptr) status_ = sentencepiece::util::Status(sentencepiece::util::StatusCode::kNotFound,
                                                                    path_ + ": " + std::strerror(errno));
        else Next();
    }
    ~LineIterator() override {
        if (file_ != nullptr) std::fclose(file_);
    }
    bool done() const override { return done_; }
    void Next() override {
        if (file_ == nullptr) {
            done_ = true;
            return;
        }
        line_.clear();
        int c;
        bool any = false;
        while ((c = std::fgetc(file_)) != EOF) {
            any = true;
            if (c == '\n') break;
            line_.push_back(static_cast<char>(c));
        }
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        if (std::ferror(file_))
            status_ = sentencepiece::util::Status(sentencepiece::util::StatusCode::kInternal, path_ + ": read error");
        done_ = !any || !status_.ok();
    }
    const std::string &value() const override { return line_; }
    sentencepiece::util::Status status() const override { return status_; }

  private:
    std::FILE *file_;
    std::string path_, line_;
    sentencepiece::util::Status status_;
    bool done_ = true;
};

// Sets trainer_spec.model_prefix (which the trainer insists on leaving empty when it trains into a
// string) to marker: a protobuf message followed by another one of the same type reads as the two
// merged, so appending ModelProto{trainer_spec: {model_prefix: marker}} sets that one field; loading
// and serializing again gives the canonical bytes and proves the result loads.
sentencepiece::util::Status add_marker(const std::string &marker, std::string *serialized) {
    auto length_delimited = [](int field, const std::string &payload) {
        std::string out(1, static_cast<char>((field << 3) | 2)); // fields 1..15: a one-byte key
        for (size_t n = payload.size(); ; n >>= 7) {                // the length as a varint
            out.push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
            if (n < 0x80) break;
        }
        return out + payload;
    };
    const int model_prefix_field = 2, trainer_spec_field = 2; // TrainerSpec.model_prefix, ModelProto.trainer_spec
    *serialized += length_delimited(trainer_spec_field, length_delimited(model_prefix_field, marker));
    sentencepiece::SentencePieceProcessor check;
    sentencepiece::util::Status status = check.LoadFromSerializedProto(*serialized);
    if (status.ok()) *serialized = check.serialized_model_proto();
    return status;
}

} // namespace

// Trains from the text file into a serialized model, writes it to <model_path>.tmp-<pid>, syncs,
// and renames it onto model_path (same folder, so the rename is atomic). The arguments go through
// the map overload of Train, so no value needs quoting.
RGTG_SPM_EXPORT int rgtg_spm_shim_train(const char *text_path, const char *model_path,
                                        const rgtg_spm_shim_train_args_t *args, char *error, size_t error_capacity) {
    try {
        const std::string trained_model = std::string(model_path) + ".tmp-" + std::to_string(static_cast<long>(getpid()));
        char coverage_text[64];
        std::snprintf(coverage_text, sizeof coverage_text, "%.17g", args->character_coverage);
        auto flag = [](int on) { return std::string(on ? "true" : "false"); };
        std::unordered_map<std::string, std::string> arguments = {
            {"vocab_size", std::to_string(args->vocab_size)},
            {"model_type", args->model_type},
            {"character_coverage", coverage_text},
            {"num_threads", std::to_string(args->threads)},
            {"input_sentence_size", std::to_string(static_cast<long long>(args->input_sentence_size))},
            {"shuffle_input_sentence", "true"},
            {"unk_id", "0"},
            {"bos_id", "1"},
            {"eos_id", "2"},
            {"pad_id", "3"},
            {"byte_fallback", flag(args->byte_fallback)},
            {"normalization_rule_name", args->normalization},
            {"remove_extra_whitespaces", flag(args->remove_extra_whitespaces)},
            {"add_dummy_prefix", flag(args->add_dummy_prefix)},
            {"allow_whitespace_only_pieces", flag(args->allow_whitespace_only_pieces)},
            {"split_digits", flag(args->split_digits)},
            {"minloglevel", "2"}, // errors come back as Status; progress logs would flood stderr
        };
        if (args->user_symbols[0] != '\0') arguments["user_defined_symbols"] = args->user_symbols;

        std::lock_guard<std::mutex> lock(train_mutex);
        sentencepiece::SetRandomGeneratorSeed(spm_seed_from(args->seed));
        // SentencePiece seeds a thread_local generator once per thread; a fresh thread makes every
        // training with the same seed sample the same sentences.
        sentencepiece::util::Status status;
        std::string thread_error, serialized;
        std::thread trainer([&]() {
            try {
                LineIterator lines(text_path);
                status = lines.status();
                if (status.ok()) status = sentencepiece::SentencePieceTrainer::Train(arguments, &lines, &serialized);
                if (status.ok()) status = lines.status();
            } catch (const std::exception &e) {
                thread_error = e.what();
            }
        });
        trainer.join();

        if (!thread_error.empty()) return write_error(error, error_capacity, RGTG_ERR_FORMAT, one_line(thread_error));
        if (status.ok()) status = add_marker(args->marker, &serialized);
        if (!status.ok()) return write_error(error, error_capacity, status_from_spm(status), one_line(status.ToString()));
        std::FILE *out = std::fopen(trained_model.c_str(), "wb");
        if (out == nullptr)
            return write_error(error, error_capacity, RGTG_ERR_IO, "cannot create " + trained_model + ": " + std::strerror(errno));
        bool written = std::fwrite(serialized.data(), 1, serialized.size(), out) == serialized.size();
        written = std::fflush(out) == 0 && written;
        written = fsync(fileno(out)) == 0 && written;
        const std::string write_reason = std::strerror(errno);
        written = std::fclose(out) == 0 && written;
        if (!written) {
            std::remove(trained_model.c_str());
            return write_error(error, error_capacity, RGTG_ERR_IO, "cannot write " + trained_model + ": " + write_reason);
        }
        if (std::rename(trained_model.c_str(), model_path) != 0) {
            const std::string reason = std::strerror(errno);
            std::remove(trained_model.c_str());
            return write_error(error, error_capacity, RGTG_ERR_IO, "cannot rename " + trained_model + ": " + reason);
        }
        fsync_path(folder_of(model_path), O_RDONLY | O_DIRECTORY); // best effort: not all filesystems allow it
        return RGTG_OK;
    } catch (const std::bad_alloc &) {
        return write_error(error, error_capacity, RGTG_ERR_NOMEM, "out of memory while training");
    } catch (const std::exception &e) {
        return write_error(error, error_capacity, RGTG_ERR_FORMAT, one_line(e.what()));
    }
}
