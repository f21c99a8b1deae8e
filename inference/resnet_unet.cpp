#include "inference/resnet_unet.h"

#include <cmath>

namespace segstudio::inference {
namespace nn = torch::nn;
namespace {

// Appends conv → batch norm → ReLU to `sequence` (kept flat: LibTorch cannot nest Sequentials).
nn::Sequential& appendConvBnRelu(nn::Sequential& sequence, int64_t in, int64_t out, int64_t kernel = 3,
                                 int64_t stride = 1) {
    sequence->push_back(
        nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false)));
    sequence->push_back(nn::BatchNorm2d(out));
    sequence->push_back(nn::ReLU(nn::ReLUOptions(true)));
    return sequence;
}

nn::Sequential convBnRelu(int64_t in, int64_t out, int64_t kernel = 3, int64_t stride = 1) {
    nn::Sequential sequence;
    return appendConvBnRelu(sequence, in, out, kernel, stride);
}

int64_t scaled(int64_t channels, double width) {
    return std::max<int64_t>(8, static_cast<int64_t>(std::lround(channels * width / 8.0)) * 8);
}

nn::Sequential resLayer(int64_t in, int64_t out, int blocks, int64_t stride) {
    nn::Sequential layer;
    layer->push_back(BasicBlock(in, out, stride));
    for (int i = 1; i < blocks; ++i)
        layer->push_back(BasicBlock(out, out, 1));
    return layer;
}

} // namespace

BasicBlockImpl::BasicBlockImpl(int64_t in, int64_t out, int64_t stride) {
    conv1 = register_module("conv1",
                            nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1 = register_module("bn1", nn::BatchNorm2d(out));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    bn2 = register_module("bn2", nn::BatchNorm2d(out));
    if (stride != 1 || in != out)
        shortcut = register_module(
            "shortcut", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                                       nn::BatchNorm2d(out)));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
    torch::Tensor y = torch::relu(bn1(conv1(x)));
    y = bn2(conv2(y));
    return torch::relu(y + (shortcut ? shortcut->forward(x) : x));
}

DecoderBlockImpl::DecoderBlockImpl(int64_t in, int64_t skip, int64_t out) {
    nn::Sequential layers = convBnRelu(in + skip, out);
    fuse = register_module("fuse", appendConvBnRelu(layers, out, out));
}

torch::Tensor DecoderBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& skip) {
    const auto up =
        torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{skip.size(2), skip.size(3)})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false));
    return fuse->forward(torch::cat({up, skip}, 1));
}

ResNetUNetImpl::ResNetUNetImpl(const Architecture& a, int64_t classes) {
    const std::array<int, 4> blocks =
        a.depth == 34 ? std::array<int, 4>{3, 4, 6, 3} : std::array<int, 4>{2, 2, 2, 2};
    const int64_t c0 = scaled(64, a.width), c1 = scaled(64, a.width), c2 = scaled(128, a.width),
                  c3 = scaled(256, a.width), c4 = scaled(512, a.width);
    stem = register_module("stem", convBnRelu(a.inputChannels, c0, 7, 2));                       // 1/2
    pool = register_module("pool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1))); // 1/4
    layer1 = register_module("layer1", resLayer(c0, c1, blocks[0], 1));                          // 1/4
    layer2 = register_module("layer2", resLayer(c1, c2, blocks[1], 2));                          // 1/8
    layer3 = register_module("layer3", resLayer(c2, c3, blocks[2], 2));                          // 1/16
    layer4 = register_module("layer4", resLayer(c3, c4, blocks[3], 2));                          // 1/32
    up3 = register_module("up3", DecoderBlock(c4, c3, c3));
    up2 = register_module("up2", DecoderBlock(c3, c2, c2));
    up1 = register_module("up1", DecoderBlock(c2, c1, c1));
    up0 = register_module("up0", DecoderBlock(c1, c0, scaled(32, a.width)));
    const int64_t headChannels = scaled(16, a.width);
    nn::Sequential headLayers = convBnRelu(scaled(32, a.width), headChannels);
    headLayers->push_back(nn::Conv2d(nn::Conv2dOptions(headChannels, classes, 1)));
    head = register_module("head", headLayers);
    for (auto& module : modules(false)) {
        if (auto* conv = module->as<nn::Conv2d>())
            nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
}

torch::Tensor ResNetUNetImpl::forward(const torch::Tensor& x) {
    const torch::Tensor s0 = stem->forward(x);
    const torch::Tensor s1 = layer1->forward(pool(s0));
    const torch::Tensor s2 = layer2->forward(s1);
    const torch::Tensor s3 = layer3->forward(s2);
    const torch::Tensor s4 = layer4->forward(s3);
    torch::Tensor d = up3(s4, s3);
    d = up2(d, s2);
    d = up1(d, s1);
    d = up0(d, s0); // 1/2
    d = torch::nn::functional::interpolate(d, torch::nn::functional::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{x.size(2), x.size(3)})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false));
    return head->forward(d);
}

} // namespace segstudio::inference
