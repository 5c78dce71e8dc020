using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>A comparison x ∘ y as a scalar rule; <see cref="CompareOp{T}"/> turns it into a 0/1-valued binary op.</summary>
internal interface IComparison
{
    static abstract bool Holds(float x, float y);
}

internal readonly struct EqualTo : IComparison { public static bool Holds(float x, float y) => x == y; }
internal readonly struct NotEqualTo : IComparison { public static bool Holds(float x, float y) => x != y; }
internal readonly struct LessThan : IComparison { public static bool Holds(float x, float y) => x < y; }
internal readonly struct LessOrEqual : IComparison { public static bool Holds(float x, float y) => x <= y; }
internal readonly struct GreaterThan : IComparison { public static bool Holds(float x, float y) => x > y; }
internal readonly struct GreaterOrEqual : IComparison { public static bool Holds(float x, float y) => x >= y; }

/// <summary>1 where the comparison holds, else 0 (NaN compares false, except for "not equal").</summary>
internal readonly struct CompareOp<T> : IBinaryOp where T : IComparison
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = T.Holds(x[i], y[i]) ? 1f : 0f;
    }

    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = T.Holds(x[i], y) ? 1f : 0f;
    }

    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = T.Holds(x, y[i]) ? 1f : 0f;
    }
}

/// <summary>Element-wise maximum.</summary>
internal readonly struct MaximumOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Max(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(y, x, d);
}

/// <summary>Element-wise minimum.</summary>
internal readonly struct MinimumOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Min(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(y, x, d);
}
