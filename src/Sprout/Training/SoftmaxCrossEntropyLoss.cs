namespace Sprout.Training;

/// <summary>
/// −log softmax(logits)[label] per sample, computed stably through log-sum-exp in one fused pass
/// (<see cref="Tensor.SoftmaxCrossEntropy"/>). Labels are class indices (N,) or one-hot / probability rows (N, C).
/// </summary>
public sealed class SoftmaxCrossEntropyLoss : Loss
{
    /// <inheritdoc/>
    protected override Tensor Compute(Tensor logits, Tensor label) => Tensor.SoftmaxCrossEntropy(logits, label);
}
