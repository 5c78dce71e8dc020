namespace Sprout.Training;

/// <summary>½·(prediction − label)², averaged over all but the batch axis (Gluon's L2Loss).</summary>
public sealed class L2Loss : Loss
{
    /// <inheritdoc/>
    protected override Tensor Compute(Tensor prediction, Tensor label) => MeanPerSample(ComputeElementwise(prediction, label));

    /// <inheritdoc/>
    protected override Tensor ComputeElementwise(Tensor prediction, Tensor label)
    {
        var d = prediction - SameShape(prediction, label);
        return d * d * 0.5f;
    }
}
