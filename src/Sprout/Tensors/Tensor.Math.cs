using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout;

// More element-wise functions, each with its derivative beside it. Sign and Floor are piecewise constant: their
// results carry no gradient.
public sealed partial class Tensor
{
    /// <summary>sin(x); d/dx = cos(x).</summary>
    public Tensor Sin()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Sin(x, d));
        if (Wants(this)) y.Record("Sin", this, g => g * Cos());
        return y;
    }

    /// <summary>cos(x); d/dx = −sin(x).</summary>
    public Tensor Cos()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Cos(x, d));
        if (Wants(this)) y.Record("Cos", this, g => -(g * Sin()));
        return y;
    }

    /// <summary>The error function; d erf(x)/dx = 2/√π · e^(−x²).</summary>
    public Tensor Erf()
    {
        var y = ElementWise(this, "Erf", ScalarFunctions.Erf, static x => 2f / MathF.Sqrt(MathF.PI) * MathF.Exp(-x * x));
        return y;
    }

    /// <summary>x².</summary>
    public Tensor Square()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Multiply(x, x, d));
        if (Wants(this)) y.Record("Square", this, g => g * this * 2f);
        return y;
    }

    /// <summary>1/x.</summary>
    public Tensor Reciprocal()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Reciprocal(x, d));
        if (Wants(this)) y.Record("Reciprocal", this, g => -(g * y * y));
        return y;
    }

    /// <summary>1/√x.</summary>
    public Tensor Rsqrt()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.ReciprocalSqrt(x, d));
        if (Wants(this)) y.Record("Rsqrt", this, g => g * y * y * y * -0.5f);
        return y;
    }

    /// <summary>−1, 0 or 1 (NaN stays NaN); no gradient.</summary>
    public Tensor Sign() => Unary(this, static (x, d) => { for (int i = 0; i < d.Length; i++) d[i] = float.IsNaN(x[i]) ? float.NaN : MathF.Sign(x[i]); });

    /// <summary>The largest whole number not above x; no gradient.</summary>
    public Tensor Floor() => Unary(this, static (x, d) => TensorPrimitives.Floor(x, d));

    /// <summary>
    /// y = f(x) element by element, recording g·f′(x) as the backward rule: the shared form of functions that have no
    /// vector primitive (erf and the smooth activations).
    /// </summary>
    private static Tensor ElementWise(Tensor a, string op, Func<float, float> f, Func<float, float> derivative)
    {
        var y = Empty(a.Shape, a.IsMeta);
        if (!a.IsMeta)
        {
            var xs = a.Span; var ys = y.AsSpan();
            for (int i = 0; i < ys.Length; i++) ys[i] = f(xs[i]);
        }
        if (Wants(a)) y.Record(op, a, g => g * Map(a, derivative));
        return y;
    }
}
