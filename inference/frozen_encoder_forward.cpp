#include "inference/frozen_encoder_forward.h"

namespace segstudio::inference {

FrozenEncoderForward::FrozenEncoderForward(SegmentationModel::Impl& model, std::vector<torch::Tensor> decoder,
                                           bool channelsLast)
    : m_model(model)
    , m_encoder(model.foldedCopy(channelsLast))
    , m_decoder(std::move(decoder))
    , m_layout(channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous) {
    if (m_layout == torch::MemoryFormat::Contiguous)
        return;
    for (auto& p : m_decoder)
        if (p.dim() == 4)
            p.set_data(p.contiguous(m_layout));
    m_model.weightsChanged();
}

FrozenEncoderForward::~FrozenEncoderForward() {
    if (m_layout == torch::MemoryFormat::Contiguous)
        return;
    for (auto& p : m_decoder)
        if (p.dim() == 4)
            p.set_data(p.contiguous());
    m_model.weightsChanged();
}

bool FrozenEncoderForward::applies(const SegmentationModel::Impl& model, bool decoderOnly,
                                   bool freezeBatchNorm) {
    return decoderOnly && freezeBatchNorm && model.builtIn;
}

torch::Tensor FrozenEncoderForward::logits(const torch::Tensor& input) {
    ResNetUNetImpl::Features features;
    {
        torch::NoGradGuard noGraph;
        features = m_encoder->encode(input.contiguous(m_layout));
    }
    // The decoder reads its inputs in its weights' layout (a no-op where the encoder already
    // wrote them so; a copy where a kernel chose another).
    for (torch::Tensor* f : {&features.s0, &features.s1, &features.s2, &features.s3, &features.s4})
        *f = f->contiguous(m_layout);
    return m_model.builtIn->decode(features, input.size(2), input.size(3));
}

} // namespace segstudio::inference
