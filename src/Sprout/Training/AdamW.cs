namespace Sprout.Training;

/// <summary>Adam with decoupled weight decay (Loshchilov and Hutter), default λ = 0.01 as in PyTorch.</summary>
public sealed class AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
    : Adam(learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true);
