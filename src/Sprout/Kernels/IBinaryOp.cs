namespace Sprout.Kernels;

/// <summary>
/// An element-wise binary op in the three forms a broadcasting loop needs (span∘span, span∘scalar,
/// scalar∘span), each one <c>TensorPrimitives</c> call. The loop driver is written once, in <see cref="Broadcast"/>.
/// </summary>
internal interface IBinaryOp
{
    static abstract void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination);
    static abstract void Invoke(ReadOnlySpan<float> x, float y, Span<float> destination);
    static abstract void Invoke(float x, ReadOnlySpan<float> y, Span<float> destination);
}
