#pragma once
// Private to inference/: LibTorch types.

#include "inference/model_metadata.h"

#include <torch/torch.h>

namespace segstudio::inference {

// A ResNet basic block: two 3×3 convolutions with batch norm and an identity (or 1×1
// projection) shortcut.
struct BasicBlockImpl : torch::nn::Module {
    BasicBlockImpl(int64_t in, int64_t out, int64_t stride);
    torch::Tensor forward(const torch::Tensor& x);
    // Each batch norm folded into the convolution before it; see ResNetUNetImpl::foldBatchNorm.
    void foldBatchNorm();
    // Multiply-adds per pixel of this block's output.
    double multiplyAddsPerOutputPixel() const;

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    torch::nn::Sequential shortcut{nullptr};
    bool folded = false; // bn1 and bn2 live on in conv1 and conv2
};
TORCH_MODULE(BasicBlock);

// Upsamples ×2, concatenates the encoder's skip connection, and fuses with two 3×3 convs.
struct DecoderBlockImpl : torch::nn::Module {
    DecoderBlockImpl(int64_t in, int64_t skip, int64_t out);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& skip);
    void foldBatchNorm();

    torch::nn::Sequential fuse{nullptr};
};
TORCH_MODULE(DecoderBlock);

// The built-in segmentation network: ResNet-18/34 encoder (widths scaled by a multiplier) and
// a U-Net decoder over its four skip connections. Input N×3×H×W with H and W multiples of 32;
// output N×C×H×W logits.
struct ResNetUNetImpl : torch::nn::Module {
    // The encoder's outputs at 1/2 (s0) to 1/32 (s4) of the input's side: the decoder's inputs.
    struct Features {
        torch::Tensor s0, s1, s2, s3, s4;
    };

    ResNetUNetImpl(const Architecture& architecture, int64_t classes);
    torch::Tensor forward(const torch::Tensor& x); // decode(encode(x), x's height and width)
    Features encode(const torch::Tensor& x);
    torch::Tensor decode(const Features& features, int64_t height, int64_t width);
    // Folds every batch norm, with the running statistics it has now, into the convolution
    // before it (scaled weights and a bias): the same function in inference mode, one pass over
    // memory fewer per convolution. For an inference copy only: it cannot be trained after.
    void foldBatchNorm();
    // The convolutions' multiply-adds per input pixel (interpolation, pooling and the
    // element-wise layers, a few per cent of the work, not counted).
    double multiplyAddsPerPixel() const;

    torch::nn::Sequential stem{nullptr};
    torch::nn::MaxPool2d pool{nullptr};
    torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
    DecoderBlock up3{nullptr}, up2{nullptr}, up1{nullptr}, up0{nullptr};
    torch::nn::Sequential head{nullptr};
};
TORCH_MODULE(ResNetUNet);

} // namespace segstudio::inference
