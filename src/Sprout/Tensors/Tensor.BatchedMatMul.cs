using Sprout.Kernels;

namespace Sprout;

// Batched matrix products through the packed GEMM: the leading axes broadcast, either operand read transposed in place.
// A batch of small products (attention's heads) is split over the threads by batch; a large product splits inside GEMM.
public sealed partial class Tensor
{
    /// <summary>A product with a vector operand: the vector as a row or column matrix, that axis dropped afterwards.</summary>
    private static Tensor VectorProduct(Tensor a, Tensor b, bool transposeA, bool transposeB)
    {
        bool rowLeft = a.Rank == 1, columnRight = b.Rank == 1;
        int left = rowLeft ? a.Shape[0] : transposeA ? a.Shape[^2] : a.Shape[^1], right = columnRight ? b.Shape[0] : transposeB ? b.Shape[^1] : b.Shape[^2];
        if (left != right)
            throw new ArgumentException(
                $"MatMul: {a.Shape}·{b.Shape}: the inner sizes {left} and {right} differ (a vector on the left is read as a row, on the right as a column).");
        var product = MatMul(rowLeft ? a.Unsqueeze(0) : a, columnRight ? b.Unsqueeze(-1) : b, transposeA && !rowLeft, transposeB && !columnRight);
        if (columnRight) product = product.Squeeze(-1);
        if (rowLeft) product = product.Squeeze(columnRight ? -1 : -2);
        return product;
    }

    /// <summary>
    /// op(a)·op(b) over the last two axes, op = identity or the transpose of those axes (read in place, never copied),
    /// with the leading axes broadcast: (…, m, k)·(…, k, n) → (…, m, n). A vector operand is read as PyTorch's
    /// <c>matmul</c> reads it: a (k) on the left as a (1, k) row, on the right as a (k, 1) column, and that axis is
    /// dropped from the result ((m, k)·(k) → (m), (k)·(k, n) → (n), (k)·(k) → a scalar).
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"MatMul: a scalar has no axis to multiply over; got {a.Shape} and {b.Shape}. Multiply by it element-wise (a * b) instead.");
        if (a.Rank == 1 || b.Rank == 1) return VectorProduct(a, b, transposeA, transposeB);
        if (a.Rank == 2 && b.Rank == 2) return Product(a, b, transposeA, transposeB);
        if (b.Rank == 2 && !transposeA)   // (…, m, k)·(k, n): one GEMM over all rows
        {
            var flat = Product(a.Reshape(-1, a.Shape[^1]), b, false, transposeB);
            return flat.Reshape([.. a.Shape.ToArray()[..^1], flat.Shape[1]]);
        }
        return BatchedProduct(a, b, transposeA, transposeB);
    }

    private static Tensor BatchedProduct(Tensor a, Tensor b, bool transA, bool transB)
    {
        int m = transA ? a.Shape[^1] : a.Shape[^2], k = transA ? a.Shape[^2] : a.Shape[^1];
        int kb = transB ? b.Shape[^1] : b.Shape[^2], n = transB ? b.Shape[^2] : b.Shape[^1];
        var aBatch = new Shape(a.Shape.ToArray()[..^2]);
        var bBatch = new Shape(b.Shape.ToArray()[..^2]);
        string Describe() => $"{(transA ? "transpose of " : "")}{a.Shape} and {(transB ? "transpose of " : "")}{b.Shape}";
        if (k != kb) throw new ArgumentException($"MatMul: cannot multiply {Describe()}: inner sizes {k} and {kb} differ.");
        Shape batch;
        try { batch = ShapeInference.Broadcast(aBatch, bBatch, "MatMul"); }
        catch (ArgumentException) { throw new ArgumentException($"MatMul: cannot multiply {Describe()}: batch axes {aBatch} and {bBatch} do not broadcast."); }
        var outShape = new Shape([.. batch, m, n]);
        // Each product's rows start on a cache line (m·n is a multiple of 16 at attention's shapes): its 64-byte stores
        // then write whole lines. A/B over five alternations at one thread (`probe` in Sprout.Bench, since removed): 1–3 %
        // faster in 16 of 18 comparisons over the six shapes of the batched bench.
        var y = a.IsMeta || b.IsMeta ? Meta(outShape) : UninitializedAligned(outShape);
        if (!y.IsMeta)
        {
            int count = batch.ElementCount;
            var aIndex = BatchOffsets(aBatch, batch, m * k);
            var bIndex = BatchOffsets(bBatch, batch, k * n);
            var (aa, ao, bb, bo, yy, yo) = (a.Storage!, a._offset, b.Storage!, b._offset, y.Storage!, y._offset);
            int lda = a.Shape[^1], ldb = b.Shape[^1];
            bool small = SmallGemm.Suits(m, n, k);
            if (ao != 0) for (int i = 0; i < count; i++) aIndex[i] += ao;
            if (bo != 0) for (int i = 0; i < count; i++) bIndex[i] += bo;
            void Run(int start, int end)
            {
                if (small) SmallGemm.MultiplyBatch(Gemm.Kernel, transA, transB, m, n, k, aa, aIndex, lda, bb, bIndex, ldb, yy, yo, start, end);
                else
                    for (int i = start; i < end; i++)
                        Gemm.Multiply(transA, transB, m, n, k, 1f, aa, aIndex[i], lda, bb, bIndex[i], ldb, 0f, yy, yo + i * m * n, n);
            }
            long work = (long)m * n * k;
            if (work < GemmBlocking.ParallelThreshold) WorkerPool.ForRanges(count, work * count, Run);   // small products: by batch
            else Run(0, count);                                                                          // large: GEMM splits each
        }
        if (Wants(a, b)) BatchedProductBackward(y, a, b, transA, transB);
        return y;
    }

    // y = op(A)·op(B), upstream g: dA = g·op(B)ᵀ (op(B)·gᵀ when A is read transposed), dB = op(A)ᵀ·g (gᵀ·op(A) when B
    // is); each summed over the batch axes the operand was broadcast along.
    private static void BatchedProductBackward(Tensor y, Tensor a, Tensor b, bool transA, bool transB) => y.Record("MatMul",
        a, g => (transA ? MatMul(b, g, transB, true) : MatMul(g, b, false, !transB)).SumTo(a.Shape),
        b, g => (transB ? MatMul(g, a, true, transA) : MatMul(a, g, !transA, false)).SumTo(b.Shape));

    /// <summary>For each batch position of <paramref name="batch"/>, the element offset of the operand's matrix (0 stride where broadcast).</summary>
    private static int[] BatchOffsets(Shape own, Shape batch, int matrix)
    {
        int rank = batch.Rank, lead = rank - own.Rank;
        var strides = new int[rank];
        for (int d = rank - 1, s = matrix; d >= lead; d--)
        {
            strides[d] = own[d - lead] == 1 ? 0 : s;
            s *= own[d - lead];
        }
        var offsets = new int[batch.ElementCount];
        Span<int> pos = stackalloc int[Math.Max(rank, 1)];
        for (int i = 0, offset = 0; i < offsets.Length; i++)
        {
            offsets[i] = offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                offset += strides[d];
                if (++pos[d] < batch[d]) break;
                offset -= strides[d] * batch[d];
                pos[d] = 0;
            }
        }
        return offsets;
    }
}
