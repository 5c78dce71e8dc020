namespace Sprout.Training;

/// <summary>|prediction − label|, averaged over all but the batch axis.</summary>
public sealed class L1Loss : Loss
{
    /// <inheritdoc/>
    protected override Tensor Compute(Tensor prediction, Tensor label) => MeanPerSample(ComputeElementwise(prediction, label));

    /// <inheritdoc/>
    protected override Tensor ComputeElementwise(Tensor prediction, Tensor label) => (prediction - SameShape(prediction, label)).Abs();
}
