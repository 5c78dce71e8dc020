namespace Sprout.Training;

/// <summary>A running mean, e.g. of per-sample losses over an epoch.</summary>
public sealed class MeanMetric
{
    private double _sum;
    private long _count;

    /// <summary>The mean (NaN before any value).</summary>
    public double Value => _count == 0 ? double.NaN : _sum / _count;

    /// <summary>Values seen since the last reset.</summary>
    public long Count => _count;

    /// <summary>Adds every element of <paramref name="values"/>.</summary>
    public void Update(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (float v in values.Span) _sum += v;
        _count += values.Length;
    }

    /// <summary>Adds a sum of <paramref name="count"/> values.</summary>
    public void Update(double sum, long count) => (_sum, _count) = (_sum + sum, _count + count);

    /// <summary>Forgets everything seen.</summary>
    public void Reset() => (_sum, _count) = (0, 0);
}
