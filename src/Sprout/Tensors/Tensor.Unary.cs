using Sprout.Kernels;
using System.Numerics.Tensors;

namespace Sprout;

// Element-wise functions of one tensor, each with its derivative beside it.
public sealed partial class Tensor
{
    /// <summary>eˣ; d/dx = eˣ.</summary>
    public Tensor Exp()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Exp(x, d));
        if (Wants(this)) ExpBackward(y, this);
        return y;
    }

    private static void ExpBackward(Tensor y, Tensor a) => y.Record("Exp", a, g => g * y);

    /// <summary>The natural logarithm; d/dx = 1/x.</summary>
    public Tensor Log()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Log(x, d));
        if (Wants(this)) LogBackward(y, this);
        return y;
    }

    private static void LogBackward(Tensor y, Tensor a) => y.Record("Log", a, g => g / a);

    /// <summary>√x; d/dx = 1/(2√x).</summary>
    public Tensor Sqrt()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Sqrt(x, d));
        if (Wants(this)) SqrtBackward(y, this);
        return y;
    }

    private static void SqrtBackward(Tensor y, Tensor a) => y.Record("Sqrt", a, g => g * 0.5f / y);

    /// <summary>|x|; d/dx = sign(x).</summary>
    public Tensor Abs()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Abs(x, d));
        if (Wants(this)) AbsBackward(y, this);
        return y;
    }

    private static void AbsBackward(Tensor y, Tensor a) => y.Record("Abs", a, g => g * Map(a, static v => MathF.Sign(v)));

    /// <summary>Element-wise power with a scalar exponent.</summary>
    public Tensor Pow(float exponent)
    {
        var y = Empty(Shape, IsMeta);
        if (!IsMeta) TensorPrimitives.Pow(Span, exponent, y.AsSpan());
        if (Wants(this)) PowBackward(y, this, exponent);
        return y;
    }

    private static void PowBackward(Tensor y, Tensor a, float p) => y.Record("Pow", a, g => g * p * a.Pow(p - 1f));

    /// <summary>
    /// Element-wise <paramref name="a"/> to the power <paramref name="exponent"/>, with broadcasting (PyTorch's
    /// <c>torch.pow(a, b)</c>): the book's positional encoding divides by <c>Tensor.Pow(10000f, Tensor.Arange(0, d, 2) / d)</c>.
    /// The exponent's gradient is g·aᵇ·ln a, taken as 0 where a is 0 (as PyTorch does).
    /// </summary>
    public static Tensor Pow(Tensor a, Tensor exponent)
    {
        var y = Binary<PowOp>(a, exponent, "Pow");
        if (Wants(a, exponent)) TensorPowBackward(y, a, exponent);
        return y;
    }

    /// <summary>A scalar base to the power of each element of <paramref name="exponent"/>.</summary>
    public static Tensor Pow(float a, Tensor exponent) => Pow(Scalar(a), exponent);

    private static void TensorPowBackward(Tensor y, Tensor a, Tensor b) =>
        y.Record("Pow", a, g => (g * b * Pow(a, b - 1f)).SumTo(a.Shape),
            b, g => (g * y * Map(a, static v => v == 0f ? 0f : MathF.Log(v))).SumTo(b.Shape));

    /// <summary>max(x, 0).</summary>
    public Tensor Relu()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Max(x, 0f, d));
        if (Wants(this)) ReluBackward(y, this);
        return y;
    }

    private static void ReluBackward(Tensor y, Tensor a) => y.Record("Relu", a, g => MaskedBy(g, a, 0f, float.PositiveInfinity));

    /// <summary>1 / (1 + e^-x).</summary>
    public Tensor Sigmoid()
    {
        var y = Unary(this, static (x, d) => Kernels.Sigmoid.Apply(x, d));
        if (Wants(this)) SigmoidBackward(y, this);
        return y;
    }

    // σ' = σ(1 − σ), from the output alone (the rule fused layers use too).
    private static void SigmoidBackward(Tensor y, Tensor a) => y.Record("Sigmoid", a, g => ActivationGradient(g, y, Pointwise.Sigmoid));

    /// <summary>tanh(x); d/dx = 1 − tanh²(x).</summary>
    public Tensor Tanh()
    {
        var y = Unary(this, static (x, d) => TensorPrimitives.Tanh(x, d));
        if (Wants(this)) TanhBackward(y, this);
        return y;
    }

    // tanh' = 1 − tanh², from the output alone.
    private static void TanhBackward(Tensor y, Tensor a) => y.Record("Tanh", a, g => ActivationGradient(g, y, Pointwise.Tanh));

    /// <summary>Limits every element to [min, max]; the gradient passes only where the input was inside.</summary>
    public Tensor Clamp(float min, float max)
    {
        if (!(min <= max))
            throw new ArgumentException($"Clamp needs min <= max; got min={min}, max={max}.");
        var y = Empty(Shape, IsMeta);
        if (!IsMeta)
        {
            TensorPrimitives.Max(Span, min, y.AsSpan());
            TensorPrimitives.Min(y.Span, max, y.AsSpan());
        }
        if (Wants(this)) ClampBackward(y, this, min, max);
        return y;
    }

    private static void ClampBackward(Tensor y, Tensor a, float min, float max) => y.Record("Clamp", a, g => MaskedBy(g, a, min, max));

    /// <summary>g where min &lt; a &lt; max (strictly, for ReLU at 0), else 0; over the threads when large.</summary>
    private static Tensor MaskedBy(Tensor g, Tensor a, float min, float max)
    {
        var r = Uninitialized(g.Shape);
        var (gs, go, xs, xo, rs) = (g.Storage!, g._offset, a.Storage!, a._offset, r.Storage!);
        WorkerPool.ForRanges(r.Length, r.Length, (start, end) =>
            Kernels.Masks.Between(gs.AsSpan(go + start, end - start), xs.AsSpan(xo + start, end - start), min, max, rs.AsSpan(start, end - start)));
        return r;
    }

    internal delegate void UnaryKernel(ReadOnlySpan<float> x, Span<float> destination);

    /// <summary>y = op(a) element by element, into fresh storage it writes whole; over the threads when large.</summary>
    private static Tensor Unary(Tensor a, UnaryKernel op)
    {
        var y = EmptyForOverwrite(a.Shape, a.IsMeta);
        if (a.IsMeta) return y;
        var (xs, xo, ys) = (a.Storage!, a._offset, y.Storage!);
        WorkerPool.ForRanges(y.Length, y.Length, (start, end) => op(xs.AsSpan(xo + start, end - start), ys.AsSpan(start, end - start)));
        return y;
    }

    /// <summary>A scalar function applied element by element (for backward rules without a primitive).</summary>
    private static Tensor Map(Tensor a, Func<float, float> f)
    {
        var y = new Tensor(a.Shape);
        var xs = a.Span; var ys = y.AsSpan();
        for (int i = 0; i < ys.Length; i++) ys[i] = f(xs[i]);
        return y;
    }

    // Activation gradients from the output alone: ReLU: g·[y > 0]; sigmoid: g·y(1 − y); tanh: g·(1 − y²).
    /// <summary>The gradient before the activation, from the gradient after it and the activation's output (split over threads).</summary>
    private static Tensor ActivationGradient(Tensor g, Tensor y, Pointwise activation)
    {
        if (activation == Pointwise.None) return g;
        var r = Uninitialized(g.Shape);
        WorkerPool.ForRanges(r.Length, r.Length, (start, end) =>
        {
            int count = end - start;
            ReadOnlySpan<float> gs = g.Span.Slice(start, count), ys = y.Span.Slice(start, count);
            var rs = r.AsSpan().Slice(start, count);
            switch (activation)
            {
                case Pointwise.Relu:
                    Masks.Between(gs, ys, 0f, float.PositiveInfinity, rs);
                    break;
                case Pointwise.Sigmoid:
                    Masks.SigmoidGradient(gs, ys, rs);
                    break;
                case Pointwise.Tanh:
                    Masks.TanhGradient(gs, ys, rs);
                    break;
            }
        });
        return r;
    }
}
