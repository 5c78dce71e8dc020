namespace Sprout.Training;

/// <summary>
/// Binary cross-entropy with labels in [0, 1], averaged over all but the batch axis. From logits (the default) it is
/// computed stably as max(x, 0) − x·z + log(1 + e^−|x|); with <c>fromSigmoid</c> the predictions are probabilities.
/// </summary>
public sealed class SigmoidBinaryCrossEntropyLoss(bool fromSigmoid = false) : Loss
{
    /// <summary>Whether predictions are probabilities already (else logits).</summary>
    public bool FromSigmoid { get; } = fromSigmoid;

    /// <inheritdoc/>
    protected override Tensor Compute(Tensor prediction, Tensor label) => MeanPerSample(ComputeElementwise(prediction, label));

    /// <inheritdoc/>
    protected override Tensor ComputeElementwise(Tensor prediction, Tensor label)
    {
        var z = SameShape(prediction, label);
        if (FromSigmoid)
        {
            const float Eps = 1e-12f;
            return -(z * (prediction + Eps).Log() + (1f - z) * (1f - prediction + Eps).Log());
        }
        var x = prediction;
        return x.Relu() - x * z + ((-x.Abs()).Exp() + 1f).Log();
    }
}
