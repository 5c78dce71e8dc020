namespace Sprout.Tests.Tensors;

public class InPlaceTests
{
    private static Tensor T(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    [Fact]
    public void CopyFrom_overwrites_every_element_with_the_source_broadcast_to_this_shape()
    {
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        x.CopyFrom(T([7, 8, 9, 10, 11, 12], 2, 3));
        Assert.Equal([7f, 8, 9, 10, 11, 12], x.ToArray());
        x.CopyFrom(T([1, 2, 3], 3));   // a row broadcast down
        Assert.Equal([1f, 2, 3, 1, 2, 3], x.ToArray());
        x.CopyFrom(T([5, 6], 2, 1));   // a column broadcast across
        Assert.Equal([5f, 5, 5, 6, 6, 6], x.ToArray());
        x.CopyFrom(Tensor.Scalar(0.5f));
        Assert.Equal(Enumerable.Repeat(0.5f, 6), x.ToArray());
    }

    [Fact]
    public void CopyFrom_may_read_a_source_computed_from_the_tensor_itself_or_a_view_of_it()
    {
        var w = T([1, 2, 3, 4], 4);
        w.CopyFrom(w - 0.5f * T([2, 2, 2, 2], 4));   // the book's update, w[:] = w - lr * grad
        Assert.Equal([0f, 1, 2, 3], w.ToArray());
        var m = T([1, 2, 3, 4], 2, 2);
        var firstRow = m.Select(0, 0);   // a view of m's storage
        firstRow.CopyFrom(m.Select(0, 1));
        Assert.Equal([3f, 4, 3, 4], m.ToArray());   // written through the view
    }

    [Fact]
    public void A_source_that_does_not_broadcast_is_refused_naming_both_shapes_and_nothing_changes()
    {
        var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        var e = Assert.Throws<ArgumentException>(() => x.CopyFrom(T([1, 2], 2)));
        Assert.Contains("(2,)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Throws<ArgumentException>(() => x.CopyFrom(T([1, 2, 3, 4, 5, 6], 1, 2, 3)));   // more axes than this
        Assert.Throws<ArgumentException>(() => x.CopyFrom(T([1, 2, 3, 4, 5, 6], 3, 2)));
        Assert.Equal([1f, 2, 3, 4, 5, 6], x.ToArray());
        Assert.Throws<InvalidOperationException>(() => Tensor.Meta(new Shape(2)).Fill(1f));
        Assert.Throws<InvalidOperationException>(() => x.CopyFrom(Tensor.Meta(new Shape(2, 3))));
    }

    [Fact]
    public void Fill_sets_every_element_and_clears_a_gradient()
    {
        var w = T([1, 2], 2);
        w.AttachGrad();
        Tensor loss;
        using (Sprout.Autograd.Record()) loss = (w * w).Sum();
        loss.Backward();
        Assert.Equal([2f, 4], w.Grad().ToArray());
        w.Grad().Fill(0f);   // PyTorch's w.grad.zero_()
        Assert.Equal([0f, 0], w.Grad().ToArray());
        w.Fill(3f);
        Assert.Equal([3f, 3], w.ToArray());
    }

    [Fact]
    public void Writing_a_tensor_the_recording_differentiates_is_refused_while_recording()
    {
        var w = T([1, 2], 2);
        w.AttachGrad();
        using (Sprout.Autograd.Record())
        {
            var e = Assert.Throws<InvalidOperationException>(() => w.CopyFrom(T([5, 5], 2)));
            Assert.Contains("Autograd.Record()", e.Message);
            var y = w * 2f;
            Assert.Throws<InvalidOperationException>(() => y.Fill(0f));
            Assert.Throws<InvalidOperationException>(() => w[0] = 9f);
            var plain = T([1, 1], 2);
            plain.Fill(2f);   // data no gradient flows to may be written
            Assert.Equal([2f, 2], plain.ToArray());
        }
        Assert.Equal([1f, 2], w.ToArray());
    }

    [Fact]
    public void Backward_through_an_op_whose_input_was_overwritten_since_is_refused_before_any_gradient_is_written()
    {
        var w = T([1, 2], 2);
        w.AttachGrad();
        var x = T([3, 4], 2);
        Tensor loss;
        using (Sprout.Autograd.Record()) loss = (w * x).Sum();
        x[1] = 0f;   // the rule for ∂/∂w reads x: one element is enough
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("overwritten in place", e.Message);
        Assert.Contains("input 1 of the recorded op", e.Message);
        Assert.Equal([0f, 0], w.Grad().ToArray());   // nothing written
        Assert.Equal([3f, 0], x.ToArray());
        x.CopyFrom(T([3, 4], 2));
        using (Sprout.Autograd.Record()) loss = (w * x).Sum();   // recorded again after the write: fine
        loss.Backward();
        Assert.Equal([3f, 4], w.Grad().ToArray());
        w.CopyFrom(w - 0.1f * w.Grad());   // writing after Backward is the normal update
        Assert.Equal(0.7f, w.ToArray()[0], 6);
    }

    [Fact]
    public void A_graph_recorded_before_an_optimizer_step_cannot_run_back_after_it()
    {
        var net = new Sprout.Nn.Dense(1, inUnits: 2);
        net.Initialize();
        var trainer = new Sprout.Training.Trainer(net.CollectParams(), new Sprout.Training.Sgd(0.1f));
        var x = T([1, 2], 1, 2);
        Tensor first, second;
        using (Sprout.Autograd.Record()) first = net.Forward(x).Sum();
        using (Sprout.Autograd.Record()) second = (net.Forward(x) * 2f).Sum();
        first.Backward();
        trainer.Step(1);   // moves the weights second's graph read
        var e = Assert.Throws<InvalidOperationException>(() => second.Backward());
        Assert.Contains("overwritten in place", e.Message);
    }

    [Fact]
    public void Linear_regression_from_scratch_as_the_book_writes_it_learns_the_true_weights()
    {
        // d2l 3.4: w ~ N(0, 0.01), b = 0; minibatch SGD with param[:] = param - lr * param.grad / batch_size.
        Rng.Seed(7);
        var trueW = T([2f, -3.4f], 2, 1);
        var features = Tensor.RandomNormal(1000, 2);
        var labels = Tensor.MatMul(features, trueW) + 4.2f + Tensor.RandomNormal(new Shape(1000, 1), 0f, 0.01f);
        var w = Tensor.RandomNormal(new Shape(2, 1), 0f, 0.01f);
        var b = Tensor.Zeros(1);
        w.AttachGrad();
        b.AttachGrad();
        const float lr = 0.03f;
        const int batch = 10;
        for (int epoch = 0; epoch < 3; epoch++)
            for (int start = 0; start < 1000; start += batch)
            {
                var x = features.Slice(start, batch);
                var y = labels.Slice(start, batch);
                Tensor l;
                using (Sprout.Autograd.Record()) l = ((Tensor.MatMul(x, w) + b - y).Square() / 2f).Sum();
                l.Backward();
                w.CopyFrom(w - lr * w.Grad() / batch);
                b.CopyFrom(b - lr * b.Grad() / batch);
            }
        var learned = w.ToArray();
        Assert.Equal(2f, learned[0], 2);
        Assert.Equal(-3.4f, learned[1], 2);
        Assert.Equal(4.2f, b.ToArray()[0], 2);
    }

    [Fact]
    public void Ordering_operators_are_the_comparison_ops()
    {
        var a = T([1, 2, 3], 3);
        var b = T([2, 2, 2], 3);
        Assert.Equal([1f, 0, 0], (a < b).ToArray());
        Assert.Equal([0f, 0, 1], (a > b).ToArray());
        Assert.Equal([1f, 1, 0], (a <= b).ToArray());
        Assert.Equal([0f, 1, 1], (a >= b).ToArray());
        Assert.Equal([0f, 0, 1], (a > 2f).ToArray());
        Assert.Equal([1f, 1, 0], (a <= 2f).ToArray());
        Assert.Equal([0f, 0, 1], (2f < a).ToArray());   // the scalar on the left
        Assert.Equal([1f, 0, 0], (2f > a).ToArray());
        Assert.Equal([0f, 1, 1], (2f <= a).ToArray());
        Assert.Equal([1f, 1, 0], (2f >= a).ToArray());
        Assert.Equal(new Shape(2, 3), (T([1, 2], 2, 1) > T([0, 1, 2], 3)).Shape);   // broadcasting
        Assert.Equal([1f, 0, 0, 1, 1, 0], (T([1, 2], 2, 1) > T([0, 1, 2], 3)).ToArray());
    }
}
