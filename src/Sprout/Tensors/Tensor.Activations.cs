using Sprout.Kernels;

namespace Sprout;

// The smooth and leaky activations of modern networks, each with its derivative beside it (ReLU, sigmoid and tanh
// live with the unary ops, where the layers fuse them).
public sealed partial class Tensor
{
    private const float SqrtTwoOverPi = 0.7978845608f, GeluCubic = 0.044715f;

    /// <summary>
    /// GELU: x·Φ(x) = ½x(1 + erf(x/√2)); with <paramref name="approximate"/>, ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    /// </summary>
    public Tensor Gelu(bool approximate = false) => approximate
        ? ElementWise(this, "GeluTanh",
            static x => 0.5f * x * (1f + MathF.Tanh(SqrtTwoOverPi * (x + GeluCubic * x * x * x))),
            static x =>
            {
                float t = MathF.Tanh(SqrtTwoOverPi * (x + GeluCubic * x * x * x));
                return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * SqrtTwoOverPi * (1f + 3f * GeluCubic * x * x);
            })
        : ExactGelu(this);

    /// <summary>The erf GELU through its vector kernel (Kernels/Gelu), over the threads; backward from x and the upstream.</summary>
    private static Tensor ExactGelu(Tensor x)
    {
        var y = EmptyForOverwrite(x.Shape, x.IsMeta);
        if (y.IsMeta) return y;
        var (xs, xo, ys) = (x.Storage!, x._offset, y.Storage!);
        WorkerPool.ForRanges(x.Length, 8L * x.Length, (start, end) =>
            Kernels.Gelu.Forward(xs.AsSpan(xo + start, end - start), ys.AsSpan(start, end - start)));
        if (Wants(x))
            y.Record("Gelu", x, g =>
            {
                var dx = Uninitialized(x.Shape);
                var (gs, go, ds) = (g.Storage!, g._offset, dx.Storage!);
                WorkerPool.ForRanges(x.Length, 8L * x.Length, (start, end) =>
                    Kernels.Gelu.Backward(xs.AsSpan(xo + start, end - start), gs.AsSpan(go + start, end - start), ds.AsSpan(start, end - start)));
                return dx;
            });
        return y;
    }

    /// <summary>
    /// max(a + b, 0) in one pass, broadcasting as <c>a + b</c>: a residual block's sum and its ReLU (<c>Residual</c>),
    /// without the sum's own tensor. Both inputs receive the upstream gradient masked by the output &gt; 0, formed once.
    /// </summary>
    internal static Tensor AddRelu(Tensor a, Tensor b)
    {
        var y = Binary<AddReluOp>(a, b, "AddRelu");
        if (Wants(a, b))
        {
            Tensor? masked = null;
            Tensor Masked(Tensor g) => masked ??= MaskedBy(g, y, 0f, float.PositiveInfinity);
            y.Record("AddRelu", a, g => Masked(g).SumTo(a.Shape), b, g => Masked(g).SumTo(b.Shape));
        }
        return y;
    }

    /// <summary>SiLU (swish): x·σ(x).</summary>
    public Tensor Silu() => ElementWise(this, "Silu",
        static x => x * ScalarFunctions.Sigmoid(x),
        static x => { float s = ScalarFunctions.Sigmoid(x); return s * (1f + x * (1f - s)); });

    /// <summary>x for x &gt; 0, else slope·x.</summary>
    public Tensor LeakyRelu(float slope = 0.01f)
    {
        if (!float.IsFinite(slope)) throw new ArgumentOutOfRangeException(nameof(slope), slope, "LeakyRelu: the slope must be finite.");
        return ElementWise(this, "LeakyRelu", x => x > 0 ? x : slope * x, x => x > 0 ? 1f : slope);
    }

    /// <summary>x for x &gt; 0, else α(eˣ − 1).</summary>
    public Tensor Elu(float alpha = 1f)
    {
        if (!float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Elu: alpha must be finite.");
        return ElementWise(this, "Elu", x => x > 0 ? x : alpha * (MathF.Exp(x) - 1f), x => x > 0 ? 1f : alpha * MathF.Exp(x));
    }

    /// <summary>log(1 + eˣ) (x itself above 20, as PyTorch); its derivative is σ(x).</summary>
    public Tensor Softplus() => ElementWise(this, "Softplus", ScalarFunctions.Softplus, static x => x > 20f ? 1f : ScalarFunctions.Sigmoid(x));

    /// <summary>Mish: x·tanh(softplus(x)).</summary>
    public Tensor Mish() => ElementWise(this, "Mish",
        static x => x * MathF.Tanh(ScalarFunctions.Softplus(x)),
        static x =>
        {
            float t = MathF.Tanh(ScalarFunctions.Softplus(x));
            return t + x * (1f - t * t) * ScalarFunctions.Sigmoid(x);
        });

    /// <summary>x clipped to [min, max] (−1, 1 by default); gradient 1 inside, 0 outside.</summary>
    public Tensor HardTanh(float min = -1f, float max = 1f)
    {
        if (!(min < max)) throw new ArgumentException($"HardTanh: min ({min}) must be below max ({max}).", nameof(min));
        return Clamp(min, max);
    }
}
