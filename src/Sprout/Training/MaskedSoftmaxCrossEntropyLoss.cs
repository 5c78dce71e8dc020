namespace Sprout.Training;

/// <summary>
/// The book's masked softmax cross-entropy for padded sequences: predictions (N, T, V), labels (N, T), valid lengths
/// (N); each sample's loss is the mean over its T steps of the cross-entropy, with steps at or beyond its valid length
/// counting 0 (as the book's <c>MaskedSoftmaxCELoss</c>). (N, T, V) × (N, T) × (N) → (N,).
/// </summary>
public sealed class MaskedSoftmaxCrossEntropyLoss : Loss
{
    /// <summary>
    /// The per-sample loss, padding beyond <paramref name="validLengths"/> ignored: here the third tensor is the valid
    /// lengths, not weights (as the book's MaskedSoftmaxCELoss overrides its base's <c>sample_weight</c>).
    /// </summary>
    public override Tensor Forward(Tensor prediction, Tensor label, Tensor validLengths)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(validLengths);
        if (prediction.Rank != 3 || label.Shape != new Shape(prediction.Shape[0], prediction.Shape[1]) || validLengths.Shape != new Shape(prediction.Shape[0]))
            throw new ArgumentException(
                $"MaskedSoftmaxCrossEntropyLoss expects predictions (N, T, V), labels (N, T) and valid lengths (N); got {prediction.Shape}, {label.Shape} and {validLengths.Shape}.");
        int n = prediction.Shape[0], steps = prediction.Shape[1];
        var perStep = Tensor.SoftmaxCrossEntropy(prediction.Reshape(n * steps, prediction.Shape[2]), label.Reshape(n * steps)).Reshape(n, steps);
        var lengths = validLengths.ToArray();
        var weights = new float[n * steps];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < steps; t++) weights[i * steps + t] = t < lengths[i] ? 1f : 0f;
        return (perStep * Tensor.FromArray(weights, n, steps)).Mean(1);
    }

    /// <summary>Without valid lengths every step counts.</summary>
    protected override Tensor Compute(Tensor prediction, Tensor label) =>
        Forward(prediction, label, Tensor.Full(new Shape(prediction.Shape[0]), prediction.Rank == 3 ? prediction.Shape[1] : 1));
}
