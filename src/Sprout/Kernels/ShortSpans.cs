using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// Sums, dot products and scalar additions over spans that are often short: the planes of ResNet's last stages are 9
/// and 36 values, and one <see cref="TensorPrimitives"/> call per plane cost more than its arithmetic (a late layer's
/// bias: 2.5 ms a batch on one thread; batch norm's backward there: 9 ns a value). Below <see cref="Threshold"/> values
/// a plain loop runs instead.
/// </summary>
internal static class ShortSpans
{
    public const int Threshold = 32;

    public static float Sum(ReadOnlySpan<float> x)
    {
        if (x.Length >= Threshold) return TensorPrimitives.Sum(x);
        float total = 0;
        foreach (float v in x) total += v;
        return total;
    }

    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length >= Threshold) return TensorPrimitives.Dot(x, y);
        float total = 0;
        for (int i = 0; i < x.Length; i++) total += x[i] * y[i];
        return total;
    }

    /// <summary>x[i] += value.</summary>
    public static void Add(Span<float> x, float value)
    {
        if (x.Length >= Threshold) TensorPrimitives.Add(x, value, x);
        else for (int i = 0; i < x.Length; i++) x[i] += value;
    }
}
