// tests/test_spm_torch_helper.cpp: for test_spm_torch.c only: makes the test a real libtorch user
// (tensor ops, so libtorch and its protobuf 3.21 initialize) behind one C function.
#include <ATen/ATen.h>

#include <exception>

// Sum of 0..n-1 computed by libtorch; -1 if libtorch threw.
extern "C" double rgtg_test_torch_arange_sum(int n) {
    try {
        at::Tensor values = at::arange(n, at::kDouble);
        return (values * 2.0 - values).sum().item<double>();
    } catch (const std::exception &) {
        return -1.0;
    }
}
