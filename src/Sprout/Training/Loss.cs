namespace Sprout.Training;

/// <summary>
/// A loss maps predictions and labels to one value per sample, shape (N,), as Gluon's losses do; reduce it with
/// <c>Sum()</c> (and let <c>Trainer.Step(batchSize)</c> rescale) or <c>Mean()</c> before <c>Backward()</c>.
/// </summary>
public abstract class Loss
{
    /// <summary>The loss per sample, shape (N,).</summary>
    public Tensor Forward(Tensor prediction, Tensor label)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(label);
        if (prediction.Rank == 0)
            throw new ArgumentException($"{GetType().Name}: predictions need a batch dimension; got shape {prediction.Shape}.", nameof(prediction));
        return Compute(prediction, label);
    }

    /// <summary>The per-sample loss, (N, …) → (N,), for arguments already checked.</summary>
    protected abstract Tensor Compute(Tensor prediction, Tensor label);

    /// <summary>The mean over every axis but the first: (N, …) → (N,).</summary>
    protected static Tensor MeanPerSample(Tensor t) => t.Rank == 1 ? t : t.Reshape(t.Shape[0], -1).Mean(1);

    /// <summary>Requires <paramref name="label"/> to have the prediction's shape (or the same element count).</summary>
    protected Tensor SameShape(Tensor prediction, Tensor label)
    {
        if (label.Shape == prediction.Shape) return label;
        if (label.Length == prediction.Length) return label.Reshape(prediction.Shape);
        throw new ArgumentException($"{GetType().Name}: labels of shape {label.Shape} do not match predictions of shape {prediction.Shape}.", nameof(label));
    }
}
