using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// Single-precision GEMM on row-major operands: C = alpha·op(A)·op(B) + beta·C, op = identity or transpose.
/// op(A) is m×k and op(B) is k×n. Transposed operands are read in place, never copied whole.
/// Rows of C are split over the cores when the product is large enough to pay for it.
/// </summary>
internal static class Gemm
{
    private const long ParallelThreshold = 1L << 17;   // multiply–adds below which one thread is faster

    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
    {
        var job = new Job(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        long work = (long)m * n * k;
        int chunks = work < ParallelThreshold ? 1 : Math.Min(Threads.Count, m);
        if (chunks <= 1) { job.Rows(0, m); return; }
        Parallel.For(0, chunks, Threads.Options, chunk => job.Rows(m * chunk / chunks, m * (chunk + 1) / chunks));
    }

    private sealed record Job(bool TransA, bool TransB, int M, int N, int K, float Alpha,
        float[] A, int AOffset, int Lda, float[] B, int BOffset, int Ldb, float Beta, float[] C, int COffset, int Ldc)
    {
        public void Rows(int start, int end)
        {
            float[]? column = TransA && TransB ? new float[K] : null;
            for (int i = start; i < end; i++)
            {
                var row = C.AsSpan(COffset + i * Ldc, N);
                if (TransB) DotRow(i, row, column);
                else AxpyRow(i, row);
            }
        }

        /// <summary>C[i,:] = beta·C[i,:] + Σ_p alpha·A(i,p)·B[p,:]: rows of B streamed through one FMA each.</summary>
        private void AxpyRow(int i, Span<float> row)
        {
            ScaleRow(row);
            for (int p = 0; p < K; p++)
            {
                float aip = TransA ? A[AOffset + p * Lda + i] : A[AOffset + i * Lda + p];
                if (aip == 0f) continue;
                TensorPrimitives.MultiplyAdd(B.AsSpan(BOffset + p * Ldb, N), Alpha * aip, row, row);
            }
        }

        /// <summary>C[i,j] = beta·C[i,j] + alpha·⟨A(i,:), B[j,:]⟩: op(B) = Bᵀ makes each entry a dot of two rows.</summary>
        private void DotRow(int i, Span<float> row, float[]? column)
        {
            ReadOnlySpan<float> ai;
            if (column is null) ai = A.AsSpan(AOffset + i * Lda, K);
            else
            {
                for (int p = 0; p < K; p++) column[p] = A[AOffset + p * Lda + i];
                ai = column;
            }
            for (int j = 0; j < N; j++)
            {
                float dot = Alpha * TensorPrimitives.Dot(ai, B.AsSpan(BOffset + j * Ldb, K));
                row[j] = Beta == 0f ? dot : Beta * row[j] + dot;
            }
        }

        private void ScaleRow(Span<float> row)
        {
            if (Beta == 0f) row.Clear();
            else if (Beta != 1f) TensorPrimitives.Multiply(row, Beta, row);
        }
    }
}
