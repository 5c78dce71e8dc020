namespace Sprout.Training;

/// <summary>
/// A loss maps predictions and labels to one value per sample, shape (N,), as Gluon's losses do; reduce it with
/// <c>Sum()</c> (and let <c>Trainer.Step(batchSize)</c> rescale) or <c>Mean()</c> before <c>Backward()</c>.
/// Weights per element (a mask of padded positions) or per sample go in a third argument, as Gluon's
/// <c>sample_weight</c>.
/// </summary>
public abstract class Loss
{
    /// <summary>The loss per sample, shape (N,).</summary>
    public Tensor Forward(Tensor prediction, Tensor label)
    {
        CheckArguments(prediction, label);
        return Compute(prediction, label);
    }

    /// <summary>
    /// The loss per sample, shape (N,), each element's loss multiplied by its weight before the mean over the sample
    /// (Gluon's <c>loss(pred, label, sample_weight)</c>, PyTorch's <c>weight=</c>): the book's word2vec masks its
    /// padding with <c>loss.Forward(pred, label, mask)</c>. <paramref name="sampleWeight"/> has the element-wise loss's
    /// rank (that of the predictions, but one less for a softmax cross-entropy's class axis; each size equal or 1:
    /// (N, 1) weighs whole samples), or Gluon's form with a trailing axis of 1, or is a scalar.
    /// </summary>
    /// <exception cref="ArgumentException">Weights of another rank or a size that does not broadcast; named with both shapes.</exception>
    /// <exception cref="NotSupportedException">A loss of your own that does not override <see cref="ComputeElementwise"/>.</exception>
    public virtual Tensor Forward(Tensor prediction, Tensor label, Tensor sampleWeight)
    {
        CheckArguments(prediction, label);
        ArgumentNullException.ThrowIfNull(sampleWeight);
        var elements = ComputeElementwise(prediction, label);
        return MeanPerSample(elements * Weights(sampleWeight, elements.Shape, prediction.Shape));
    }

    /// <summary>The per-sample loss, (N, …) → (N,), for arguments already checked.</summary>
    protected abstract Tensor Compute(Tensor prediction, Tensor label);

    /// <summary>
    /// The loss of each element before the mean over a sample, (N, …), which weights multiply. A loss of your own
    /// overrides it to accept weights; the built-in ones all do.
    /// </summary>
    protected virtual Tensor ComputeElementwise(Tensor prediction, Tensor label) =>
        throw new NotSupportedException(
            $"{GetType().Name} does not weight its elements: override ComputeElementwise to return the loss of each element (N, …) before the mean, " +
            "so that Forward(prediction, label, sampleWeight) can weight it, or multiply the per-sample loss by per-sample weights yourself.");

    private void CheckArguments(Tensor prediction, Tensor label)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(label);
        if (prediction.Rank == 0)
            throw new ArgumentException($"{GetType().Name}: predictions need a batch dimension; got shape {prediction.Shape}.", nameof(prediction));
    }

    /// <summary>The weights as the element-wise loss's rank: Gluon's trailing 1 dropped, checked to broadcast.</summary>
    private Tensor Weights(Tensor weight, Shape elements, Shape prediction)
    {
        if (weight.Rank == elements.Rank + 1 && weight.Shape[^1] == 1) weight = weight.Reshape(weight.Shape.ToArray()[..^1]);
        bool fits = weight.Rank == 0 || weight.Rank == elements.Rank;
        for (int d = 0; fits && d < weight.Rank; d++) fits = weight.Shape[d] == elements[d] || weight.Shape[d] == 1;
        if (!fits)
            throw new ArgumentException(
                $"{GetType().Name}: sample weights of shape {weight.Shape} do not fit the element-wise loss of shape {elements} (predictions {prediction}). " +
                $"Give weights of shape {elements}, each size equal or 1 ((N, 1{string.Concat(Enumerable.Repeat(", 1", Math.Max(0, elements.Rank - 2)))}) weighs whole samples), or a scalar.",
                "sampleWeight");
        return weight;
    }

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
