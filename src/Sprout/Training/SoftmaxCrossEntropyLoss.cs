namespace Sprout.Training;

/// <summary>
/// −log softmax(logits)[label] per sample, computed stably through log-sum-exp in one fused pass
/// (<see cref="Tensor.SoftmaxCrossEntropy"/>). Classes are the last axis, as Gluon's and Keras's: logits (N, C) with
/// labels as class indices (N,) or one-hot / probability rows (N, C); or a sequence's logits (N, T, …, C) with labels
/// (N, T, …) or (N, T, …, C), whose per-position losses are averaged over each sample (weigh or mask positions with
/// <see cref="Loss.Forward(Tensor, Tensor, Tensor)"/>).
/// </summary>
public sealed class SoftmaxCrossEntropyLoss : Loss
{
    /// <inheritdoc/>
    protected override Tensor Compute(Tensor logits, Tensor label) => MeanPerSample(ComputeElementwise(logits, label));

    /// <inheritdoc/>
    protected override Tensor ComputeElementwise(Tensor logits, Tensor label)
    {
        if (logits.Rank <= 2) return Tensor.SoftmaxCrossEntropy(logits, label);
        var positions = logits.Shape.ToArray()[..^1];
        int rows = logits.Length / logits.Shape[^1];
        bool indices = label.Rank == logits.Rank - 1 && label.Shape.ToArray().SequenceEqual(positions);
        if (!indices && label.Shape != logits.Shape)
            throw new ArgumentException(
                $"SoftmaxCrossEntropyLoss: logits of shape {logits.Shape} (classes on the last axis) need labels of shape ({string.Join(", ", positions)}) holding class indices, " +
                $"or of shape {logits.Shape} holding probabilities; got {label.Shape}.", nameof(label));
        var flatLabels = indices ? label.Reshape(rows) : label.Reshape(rows, logits.Shape[^1]);
        return Tensor.SoftmaxCrossEntropy(logits.Reshape(rows, logits.Shape[^1]), flatLabels).Reshape(positions);
    }
}
