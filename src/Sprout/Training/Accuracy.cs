namespace Sprout.Training;

/// <summary>The fraction of samples whose highest-scoring class (arg-max of the last axis) equals the label.</summary>
public sealed class Accuracy
{
    private long _correct, _count;

    /// <summary>The fraction classified correctly (NaN before any sample).</summary>
    public double Value => _count == 0 ? double.NaN : (double)_correct / _count;

    /// <summary>Samples seen since the last reset.</summary>
    public long Count => _count;

    /// <summary>Adds a batch: <paramref name="labels"/> (N,) class indices, <paramref name="scores"/> (N, classes).</summary>
    public void Update(Tensor labels, Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Rank != 2 || labels.Length != scores.Shape[0])
            throw new ArgumentException($"Accuracy: expected scores (N, classes) and N labels; got scores {scores.Shape} and labels {labels.Shape}.");
        var predicted = scores.ArgMax(1).Span;
        var truth = labels.Span;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == truth[i]) _correct++;
        _count += predicted.Length;
    }

    /// <summary>Forgets everything seen.</summary>
    public void Reset() => (_correct, _count) = (0, 0);
}
