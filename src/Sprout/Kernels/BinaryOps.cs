using System.Numerics;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Sprout.Kernels;

internal readonly struct AddOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
}

/// <summary>max(x + y, 0): a residual block's sum and ReLU in one pass (<c>Tensor.AddRelu</c>).</summary>
internal readonly struct AddReluOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && d.Length >= Vector<float>.Count)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(d);
            for (int v = 0; v < vd.Length; v++) vd[v] = Vector.Max(vx[v] + vy[v], Vector<float>.Zero);
            i = vd.Length * Vector<float>.Count;
        }
        for (; i < d.Length; i++) d[i] = MathF.Max(x[i] + y[i], 0f);
    }

    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d)
    {
        TensorPrimitives.Add(x, y, d);
        TensorPrimitives.Max(d, 0f, d);
    }

    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => Invoke(y, x, d);
}

internal readonly struct SubtractOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
}

internal readonly struct MultiplyOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
}

/// <summary>x to the power y.</summary>
internal readonly struct PowOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Pow(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Pow(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Pow(x, y, d);
}

internal readonly struct DivideOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
}

/// <summary>1 where x == y, else 0: marks the arg-max positions of a reduction.</summary>
internal readonly struct EqualMaskOp : IBinaryOp
{
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = x[i] == y[i] ? 1f : 0f;
    }
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = x[i] == y ? 1f : 0f;
    }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = x == y[i] ? 1f : 0f;
    }
}
