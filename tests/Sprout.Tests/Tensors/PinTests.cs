namespace Sprout.Tests.Tensors;

/// <summary>Tensor.Pin: the elements' address for native code (MPI, BLAS).</summary>
public class PinTests
{
    [Fact]
    public unsafe void Pin_gives_the_address_of_the_first_element_of_a_view_and_holds_it_until_disposed()
    {
        var t = Tensor.Arange(12).Reshape(4, 3);
        var rows = t.Slice(1, 2);   // a view from element 3 on
        using (var pinned = rows.Pin())
        {
            var seen = new ReadOnlySpan<float>(pinned.Pointer, rows.Length).ToArray();
            Assert.Equal([3f, 4f, 5f, 6f, 7f, 8f], seen);
            ((float*)pinned.Pointer)[0] = 30f;   // native code writing through it writes the tensor
        }
        Assert.Equal(30f, t.ToArray()[3]);
        Assert.Throws<InvalidOperationException>(() => Tensor.Meta(new Shape(2)).Pin());
    }
}
