using Sprout.Tests.Autograd;

namespace Sprout.Tests.Tensors;

public class RangeIndexerTests
{
    /// <summary>A 3×4 matrix holding 0 … 11 in row-major order.</summary>
    private static Tensor M() => Tensor.Arange(12).Reshape(3, 4);

    [Fact]
    public void Ranges_keep_their_axes_and_positions_drop_them_as_PyTorch_slices_do()
    {
        var x = M();
        var columns = x[.., 1..3];   // x[:, 1:3]
        Assert.Equal(new Shape(3, 2), columns.Shape);
        Assert.Equal([1f, 2, 5, 6, 9, 10], columns.ToArray());
        Assert.Equal([8f, 9, 10, 11], x[^1].ToArray());            // the last row, shape (4,)
        Assert.Equal(new Shape(4), x[^1].Shape);
        Assert.Equal([3f, 7, 11], x[.., -1].ToArray());            // an int position counts from the end
        Assert.Equal(new Shape(), x[1, ^2].Shape);                  // a position on every axis: shape ()
        Assert.Equal(6f, x[1, ^2].Item());
        Assert.Equal([4f, 5, 6, 7, 8, 9, 10, 11], x[1..].ToArray()); // trailing axes left out are taken whole
        Assert.Equal(x.ToArray(), x[..].ToArray());
        var cube = Tensor.Arange(24).Reshape(2, 3, 4);
        Assert.Equal([13f, 17], cube[1, 0..2, 1].ToArray());
    }

    [Fact]
    public void A_part_contiguous_from_the_first_axis_is_a_view_and_writes_through_it_reach_the_tensor()
    {
        var x = M();
        x[1..3].Fill(0f);
        x[0, 1..3].Fill(-1f);   // one run inside row 0: still a view
        Assert.Equal([0f, -1, -1, 3, 0, 0, 0, 0, 0, 0, 0, 0], x.ToArray());
    }

    [Fact]
    public void Assigning_a_part_writes_the_values_broadcast_to_it_in_place()
    {
        var x = M();
        x[.., 1..3] = Tensor.Scalar(0f);
        Assert.Equal([0f, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0, 11], x.ToArray());
        x[.., 1..3] = Tensor.FromArray([20f, 30f], 2);            // a row broadcast down the part
        Assert.Equal([0f, 20, 30, 3, 4, 20, 30, 7, 8, 20, 30, 11], x.ToArray());
        x[1, ..] = Tensor.FromArray([-1f, -2, -3, -4], 4);        // row 1 (x[1] alone is the element indexer)
        Assert.Equal([-1f, -2, -3, -4], x[^2].ToArray());
        x[0, ^1] = Tensor.Scalar(99f);
        Assert.Equal(99f, x[0, 3]);
    }

    [Fact]
    public void Values_read_from_the_same_tensor_are_read_whole_before_anything_is_written()
    {
        var z = Tensor.Arange(5);
        z[1..] = z[..^1];   // a shift by one through two views of the same storage
        Assert.Equal([0f, 0, 1, 2, 3], z.ToArray());
        var m = M();
        m[.., 1..] = m[.., ..^1];   // the same across columns (a copy on the right)
        Assert.Equal([0f, 0, 1, 2, 4, 4, 5, 6, 8, 8, 9, 10], m.ToArray());
    }

    [Fact]
    public void Reading_a_part_sends_the_gradient_back_to_the_selected_places()
    {
        GradCheck.Assert(x => x[0][1.., ..2] * x[0][..^1, 2..], Tensor.RandomNormal(3, 4));
        GradCheck.Assert(x => x[0][.., 1] * x[0][^1, ..1], Tensor.RandomNormal(3, 4));
        var w = M();
        w.AttachGrad();
        using (global::Sprout.Autograd.Record()) (w[.., 1..3].Sum() + w[0, 1..2].Sum()).Backward();   // overlapping parts accumulate
        Assert.Equal([0f, 2, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0], w.Grad().ToArray());
    }

    [Fact]
    public void A_meta_tensor_gives_the_part_shape_so_Build_sees_it()
    {
        var meta = Tensor.Meta(new Shape(5, 6, 7));
        Assert.Equal(new Shape(6, 3), meta[2, .., 4..].Shape);
    }

    [Fact]
    public void Out_of_range_indices_too_many_indices_and_empty_ranges_are_refused_naming_the_index_and_the_axis()
    {
        var x = M();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x[0, 3..9]);
        Assert.Contains("x[0, 3..9]", e.Message);
        Assert.Contains("axis 1 of size 4", e.Message);
        Assert.Contains("within 0..4", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => x[^4, ..]);
        Assert.Contains("axis 0 of size 3", e.Message);
        Assert.Contains("0 to 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x[.., 2..2]);   // selects nothing
        Assert.Throws<ArgumentOutOfRangeException>(() => x[.., 3..1]);
        var tooMany = Assert.Throws<ArgumentException>(() => x[0, .., 1]);
        Assert.Contains("3 indices", tooMany.Message);
        Assert.Contains("(3, 4)", tooMany.Message);
    }

    [Fact]
    public void A_refused_assignment_leaves_the_tensor_as_it_was()
    {
        var x = M();
        var before = x.ToArray();
        var e = Assert.Throws<ArgumentException>(() => x[.., 1..3] = Tensor.Ones(3, 3));
        Assert.Contains("(3, 2)", e.Message);   // the part's shape
        Assert.Contains("(3, 3)", e.Message);   // the values'
        Assert.Throws<ArgumentOutOfRangeException>(() => x[5, ..] = Tensor.Scalar(1f));
        Assert.Equal(before, x.ToArray());
    }

    [Fact]
    public void While_recording_values_that_want_a_gradient_are_refused_since_the_write_is_not_recorded()
    {
        var y = Tensor.Zeros(2, 2);
        var w = Tensor.Ones(2);
        w.AttachGrad();
        using (global::Sprout.Autograd.Record())
        {
            var e = Assert.Throws<InvalidOperationException>(() => y[0, ..] = w * 2f);
            Assert.Contains("Stack", e.Message);
        }
        Assert.Equal(new float[4], y.ToArray());
        y[0, ..] = w * 2f;   // outside the recording it is a plain write
        Assert.Equal([2f, 2, 0, 0], y.ToArray());
    }

    [Fact]
    public void Writing_into_a_copy_that_PyTorch_would_make_a_view_is_refused_instead_of_silently_changing_nothing()
    {
        var x = M();
        var before = x.ToArray();
        var narrowed = Assert.Throws<InvalidOperationException>(() => x.Narrow(1, 1, 2).Fill(0f));
        Assert.Contains("copy", narrowed.Message);
        Assert.Contains("x[.., 2..6] = ", narrowed.Message);   // the fix
        Assert.Throws<InvalidOperationException>(() => x[.., 1..3].Fill(0f));
        Assert.Throws<InvalidOperationException>(() => x.Select(1, 0).Fill(0f));
        Assert.Throws<InvalidOperationException>(() => x.Transpose().CopyFrom(Tensor.Zeros(4, 3)));
        Assert.Throws<InvalidOperationException>(() => { var t = x.Transpose(); t[0, 0] = 5f; });
        Assert.Throws<InvalidOperationException>(() => x.Select(1, 0).Reshape(1, 3).Fill(0f));   // a view of the copy
        Assert.Throws<InvalidOperationException>(() => Tensor.Ones(1, 4).BroadcastTo(new Shape(3, 4)).Fill(0f));
        Assert.Equal(before, x.ToArray());
        var own = x.Transpose().Clone();
        own.Fill(1f);   // a clone is the caller's own
        Assert.All(own.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void A_variable_made_by_a_copying_op_and_given_a_gradient_may_be_updated_in_place()
    {
        var w = Tensor.Arange(6).Reshape(2, 3).Transpose();   // the user's own variable, (3, 2)
        w.AttachGrad();
        w.CopyFrom(w * 2f);
        Assert.Equal([0f, 6, 2, 8, 4, 10], w.ToArray());
    }

    [Fact]
    public void A_stepped_slice_reads_and_writes_every_step_th_position_as_Pythons_start_stop_step()
    {
        var x = Tensor.Arange(10);
        Assert.Equal([0f, 2, 4, 6, 8], x[TensorIndex.Slice(0, null, 2)].ToArray());
        Assert.Equal([1f, 4, 7], x[TensorIndex.Slice(1, 9, 3)].ToArray());        // 1:9:3
        Assert.Equal([7f, 9], x[TensorIndex.Slice(-3, null, 2)].ToArray());       // -3::2
        Assert.Equal(":9:3", TensorIndex.Slice(null, 9, 3).ToString());
        Assert.Equal("1::2", TensorIndex.Slice(1, null, 2).ToString());
        Assert.Equal("2..^1", ((TensorIndex)(2..^1)).ToString());
        Assert.Equal("-1", ((TensorIndex)(-1)).ToString());
        var m = M();
        Assert.Equal([1f, 3, 9, 11], m[TensorIndex.Slice(0, null, 2), TensorIndex.Slice(1, null, 2)].ToArray());
        Assert.Throws<InvalidOperationException>(() => m[TensorIndex.Slice(0, null, 2)].Fill(0f));   // a copy (PyTorch's is a view)
        GradCheck.Assert(v => v[0][.., TensorIndex.Slice(1, null, 2)] * v[0][.., TensorIndex.Slice(0, null, 2)], Tensor.RandomNormal(2, 6));
    }

    [Fact]
    public void The_books_positional_encoding_writes_sines_and_cosines_into_alternate_columns()
    {
        const int steps = 6, hidden = 8;
        var position = Tensor.Arange(steps).Reshape(-1, 1) / Tensor.Pow(10000f, Tensor.Arange(0, hidden, 2) / hidden);
        var p = Tensor.Zeros(1, steps, hidden);
        p[.., .., TensorIndex.Slice(0, null, 2)] = position.Sin();   // P[:, :, 0::2] = torch.sin(X)
        p[.., .., TensorIndex.Slice(1, null, 2)] = position.Cos();   // P[:, :, 1::2] = torch.cos(X)
        for (int i = 0; i < steps; i++)
            for (int j = 0; j < hidden / 2; j++)
            {
                double angle = i / Math.Pow(10000, 2.0 * j / hidden);
                Assert.Equal(Math.Sin(angle), p[0, i, 2 * j], 5);
                Assert.Equal(Math.Cos(angle), p[0, i, 2 * j + 1], 5);
            }
    }

    [Fact]
    public void A_slice_step_must_be_positive()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TensorIndex.Slice(0, null, 0));
        Assert.Contains("positive", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Arange(4)[TensorIndex.Slice(0, 9, 2)]);   // past the end: refused, not clamped
    }
}
