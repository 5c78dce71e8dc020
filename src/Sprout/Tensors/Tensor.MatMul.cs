using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout;

// Matrix products on the GEMM kernel. Transposed operands are passed to the kernel as flags, so neither the
// forward (x·Wᵀ) nor the backward products (dY·W, dYᵀ·X) ever materialize a transpose.
public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product over the last two axes, the leading (batch) axes broadcast as NumPy does: (m, k)·(k, n) → (m, n);
    /// (b, h, m, k)·(b, h, k, n) → (b, h, m, n); (b, m, k)·(k, n) → (b, m, n); (m, k)·(b, k, n) → (b, m, n). A vector
    /// is a row on the left and a column on the right, that axis dropped: (m, k)·(k) → (m), (k)·(k) → a scalar.
    /// </summary>
    public Tensor MatMul(Tensor other) => MatMul(this, other);

    /// <summary>this·otherᵀ, with <paramref name="other"/> read transposed in place: (m, k)·(n, k)ᵀ → (m, n).</summary>
    public Tensor MatMulTransposed(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank > 2 && other.Rank == 2)
        {
            var dims = Shape.ToArray();
            dims[^1] = other.Shape[0];
            if (Wants(this, other)) return Reshape(-1, Shape[^1]).MatMulTransposed(other).Reshape(dims);   // recorded through views
            // Unrecorded (as inside Linear): the product goes straight into a tensor of the final shape, the operands
            // flattened by aliases that end with this call. Registered views here would outlive the call and keep the
            // input's storage from ever being released.
            int rows = Length / Shape[^1];
            var y = EmptyForOverwrite(new Shape(dims), IsMeta || other.IsMeta);
            var product = Product(Alias(new Shape(rows, Shape[^1])), other, false, true, into: y.IsMeta ? null : y.Alias(new Shape(rows, other.Shape[0])));
            return y.IsMeta ? product.Reshape(dims) : y;
        }
        return Product(this, other, transA: false, transB: true);
    }

    /// <summary>y = x·Wᵀ + b: the fully connected layer's op; (N, in)·(units, in)ᵀ + (units) → (N, units), and (in) → (units).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => Linear(x, weight, bias, Pointwise.None);

    /// <summary>
    /// op(a)·op(b) for rank 2 or batched rank 3, op = identity or transpose of the last two axes; written into
    /// <paramref name="into"/> (a whole tensor of the result's shape) when given.
    /// </summary>
    internal static Tensor Product(Tensor a, Tensor b, bool transA, bool transB, Tensor? into = null)
    {
        var (batch, m, k, n) = ProductDims(a, b, transA, transB);
        var shape = a.Rank == 2 ? new Shape(m, n) : new Shape(batch, m, n);
        if (into is not null && into.Shape != shape)
            throw new InvalidOperationException($"MatMul: the destination has shape {into.Shape}; the product has shape {shape}.");
        var y = into ?? EmptyForOverwrite(shape, a.IsMeta || b.IsMeta);   // beta = 0: the GEMM never reads C
        if (!y.IsMeta)
        {
            int lda = a.Shape[^1], ldb = b.Shape[^1];
            for (int i = 0; i < batch; i++)
                Gemm.Multiply(transA, transB, m, n, k, 1f,
                    a.Storage!, a._offset + i * m * k, lda, b.Storage!, b._offset + i * k * n, ldb, 0f, y.Storage!, y._offset + i * m * n, n);
        }
        if (Wants(a, b)) ProductBackward(y, a, b, transA, transB);
        return y;
    }

    // With y = op(A)·op(B) and upstream g: for op = identity, dA = g·op(B)ᵀ and dB = op(A)ᵀ·g; for op = transpose,
    // the same products transposed. Each case is again one GEMM with flags.
    private static void ProductBackward(Tensor y, Tensor a, Tensor b, bool transA, bool transB) => y.Record("MatMul",
        a, g => transA ? Product(b, g, transB, true) : Product(g, b, false, !transB),
        b, g => transB ? Product(g, a, true, transA) : Product(a, g, !transA, false));

    private static (int Batch, int M, int K, int N) ProductDims(Tensor a, Tensor b, bool transA, bool transB)
    {
        bool ok = (a.Rank == 2 && b.Rank == 2) || (a.Rank == 3 && b.Rank == 3 && a.Shape[0] == b.Shape[0]);
        string Describe() => $"{(transA ? "transpose of " : "")}{a.Shape} and {(transB ? "transpose of " : "")}{b.Shape}";
        if (!ok)
            throw new ArgumentException($"MatMul: cannot multiply {Describe()}; expected (m, k)·(k, n) or batched (b, m, k)·(b, k, n) with equal batch sizes.");
        int m = transA ? a.Shape[^1] : a.Shape[^2], k = transA ? a.Shape[^2] : a.Shape[^1];
        int kb = transB ? b.Shape[^1] : b.Shape[^2], n = transB ? b.Shape[^2] : b.Shape[^1];
        if (k != kb)
            throw new ArgumentException($"MatMul: cannot multiply {Describe()}: inner sizes {k} and {kb} differ.");
        return (a.Rank == 3 ? a.Shape[0] : 1, m, k, n);
    }

    // The product, its bias and its activation share one output buffer (the activation applied in place); backward
    // first turns the output gradient into the pre-activation gradient from the output alone (ActivationGradient).
    /// <summary>y = act(x·Wᵀ + b): (N, *, in)·(units, in)ᵀ + (units) → (N, *, units); one sample (in) → (units), as PyTorch's Linear.</summary>
    internal static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Pointwise activation)
    {
        if (x.Rank == 1) return Linear(x.Reshape(1, x.Shape[0]), weight, bias, activation).Reshape(weight.Shape[0]);
        Tensor y;
        using (Autograd.Pause()) y = x.MatMulTransposed(weight);
        if (bias is not null && bias.Shape != new Shape(weight.Shape[0]))
            throw new ArgumentException($"Linear: bias of shape {bias.Shape} does not match {weight.Shape[0]} output units.", nameof(bias));
        if (!y.IsMeta && !(bias?.IsMeta ?? false))
        {
            var data = y.AsSpan();
            int units = weight.Shape[0];
            if (bias is not null)
                for (int row = 0; row < data.Length; row += units) TensorPrimitives.Add(data.Slice(row, units), bias.Span, data.Slice(row, units));
            activation.ApplyInPlace(data);
        }
        if (Autograd.IsRecording && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false)))
            LinearBackward(y, x, weight, bias, activation);
        return y;
    }

    private static void LinearBackward(Tensor y, Tensor x, Tensor weight, Tensor? bias, Pointwise activation)
    {
        int units = weight.Shape[0], inputs = weight.Shape[1];
        Tensor? preActivation = null;
        Tensor Z(Tensor g) => preActivation ??= ActivationGradient(g, y, activation).Reshape(-1, units);
        Tensor DInput(Tensor g) => Product(Z(g), weight, false, false).Reshape(x.Shape);
        Tensor DWeight(Tensor g) => Product(Z(g), x.Alias(new Shape(x.Length / inputs, inputs)), true, false, GradientTable.DirectDestination(weight));
        Tensor DBias(Tensor g) => Z(g).Sum(0);
        if (bias is null) y.Record("Linear", x, DInput, weight, DWeight);
        else y.Record("Linear", [x, weight, bias], [DInput, DWeight, DBias]);
    }
}
