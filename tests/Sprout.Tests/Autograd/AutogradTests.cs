using Sprout.Nn;

namespace Sprout.Tests.Autograd;

public class AutogradTests
{
    [Fact]
    public void Backward_fills_the_gradient_of_a_leaf()
    {
        var x = Tensor.FromArray([1f, 2f, 3f], 3);
        x.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = (x * x).Sum();
        y.Backward();
        Assert.Equal([2f, 4f, 6f], x.Grad().ToArray());
    }

    [Fact]
    public void GradReq_write_overwrites_add_accumulates_and_null_skips()
    {
        var w = Tensor.FromArray([1f, 2f], 2);
        var a = Tensor.FromArray([1f, 2f], 2);
        var n = Tensor.FromArray([1f, 2f], 2);
        w.AttachGrad(GradReq.Write);
        a.AttachGrad(GradReq.Add);
        n.AttachGrad(GradReq.Null);
        for (int i = 0; i < 2; i++)
        {
            Tensor y;
            using (Sprout.Autograd.Record()) y = (w * 3f + a * 3f + n * 3f).Sum();
            y.Backward();
        }
        Assert.Equal([3f, 3f], w.Grad().ToArray());
        Assert.Equal([6f, 6f], a.Grad().ToArray());
        Assert.Equal([0f, 0f], n.Grad().ToArray());
    }

    [Fact]
    public void A_weight_gradient_written_in_place_matches_the_accumulated_one_even_for_a_weight_used_twice()
    {
        // Linear's weight gradient goes straight into a Write leaf's buffer; a second use of the same weight (tied
        // layers) must still add its contribution. GradReq.Add (which never writes in place) gives the reference.
        var x = Tensor.RandomUniform(new Shape(5, 4), -1, 1);
        var init = Tensor.RandomUniform(new Shape(4, 4), -1, 1);
        var bias = Tensor.RandomUniform(new Shape(4), -1, 1);
        Tensor Gradient(GradReq request, bool tied)
        {
            var w = init.Clone();
            w.AttachGrad(request);
            var buffer = w.Grad();
            for (int step = 0; step < 2; step++)   // Write replaces: the second pass must not see the first's gradient
            {
                if (request == GradReq.Add) buffer.AsSpan().Clear();
                Tensor loss;
                using (Sprout.Autograd.Record())
                {
                    var h = Tensor.Linear(x, w, bias);
                    var output = tied ? Tensor.Linear(h, w, bias) : h;
                    loss = (output * output).Sum();
                }
                loss.Backward();
            }
            Assert.Same(buffer, w.Grad());
            return buffer;
        }
        foreach (bool tied in new[] { false, true })
        {
            var expected = Gradient(GradReq.Add, tied).ToArray();
            var actual = Gradient(GradReq.Write, tied).ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"tied={tied}: element {i} is {actual[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void Backward_on_a_non_scalar_needs_a_head_gradient()
    {
        var x = Tensor.Ones(2, 2);
        x.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = x * 2f;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("(2, 2)", e.Message);
        Assert.Contains("Sum()", e.Message);
        y.Backward(Tensor.Full(new Shape(2, 2), 0.5f));
        Assert.Equal([1f, 1f, 1f, 1f], x.Grad().ToArray());
    }

    [Fact]
    public void Backward_twice_on_a_freed_graph_says_so()
    {
        var x = Tensor.Ones(3);
        x.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = (x * 2f).Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("freed", e.Message);
    }

    [Fact]
    public void Backward_of_something_not_recorded_says_how_to_record()
    {
        var x = Tensor.Ones(3);
        x.AttachGrad();
        var y = (x * 2f).Sum();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("Autograd.Record()", e.Message);
        Assert.False(y.RequiresGrad);
        Tensor z;   // the book's z.sum().backward() with the sum taken after the scope: named in the message
        using (Sprout.Autograd.Record()) z = x * 3f;
        Assert.Contains("loss.Sum() taken after the scope has closed", Assert.Throws<InvalidOperationException>(() => z.Sum().Backward()).Message);
        z.Backward(Tensor.Ones(3));
        Assert.Equal([3f, 3f, 3f], x.Grad().ToArray());
    }

    [Fact]
    public void Detach_stops_the_gradient()
    {
        var x = Tensor.FromArray([2f], 1);
        x.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = (x * x.Detach()).Sum();
        y.Backward();
        Assert.Equal([2f], x.Grad().ToArray());
    }

    [Fact]
    public void Training_and_prediction_scopes_nest_and_restore()
    {
        Assert.False(Sprout.Autograd.IsRecording);
        Assert.False(Sprout.Autograd.IsTraining);
        using (Sprout.Autograd.Record())
        {
            Assert.True(Sprout.Autograd.IsRecording);
            Assert.True(Sprout.Autograd.IsTraining);
            using (Sprout.Autograd.Predict()) Assert.False(Sprout.Autograd.IsTraining);
            using (Sprout.Autograd.Pause()) Assert.False(Sprout.Autograd.IsRecording);
            Assert.True(Sprout.Autograd.IsTraining);
        }
        using (Sprout.Autograd.Train()) Assert.True(Sprout.Autograd.IsTraining);
        Assert.False(Sprout.Autograd.IsTraining);
    }

    [Fact]
    public void Gradients_are_right_through_a_network_whose_parameters_were_deferred_when_recording_began()
    {
        Rng.Seed(5);
        var net = new Sequential { new Dense(6, Activation.Tanh), new Dense(3) };
        net.Initialize(new Sprout.Init.Normal(0.5f));
        var x = Tensor.RandomUniform(new Shape(4, 5), -1f, 1f);
        Tensor loss;
        using (Sprout.Autograd.Record()) loss = net.Forward(x).Pow(2f).Sum();   // this forward fills the parameters
        loss.Backward();
        foreach (var (name, p) in net.CollectParams())
        {
            var data = p.Data().AsSpan();
            var grad = p.Grad().ToArray();
            for (int j = 0; j < data.Length; j += 7)
            {
                float orig = data[j];
                const float Eps = 2e-3f;
                data[j] = orig + Eps; double plus = net.Forward(x).Pow(2f).Sum().Item();
                data[j] = orig - Eps; double minus = net.Forward(x).Pow(2f).Sum().Item();
                data[j] = orig;
                double numeric = (plus - minus) / (2 * Eps);
                Assert.True(Math.Abs(numeric - grad[j]) <= 1e-2 + 1e-2 * Math.Abs(numeric), $"{name}[{j}]: {grad[j]} vs {numeric}");
            }
        }
    }

    [Fact]
    public void Untracked_ops_record_nothing()
    {
        var w = Tensor.Ones(3);
        w.AttachGrad();
        var y = w * 2f + 1f;   // not recording
        Assert.False(y.RequiresGrad);
        using (Sprout.Autograd.Record())
        {
            var z = Tensor.Ones(3) * 2f;   // no input needs a gradient
            Assert.False(z.RequiresGrad);
            Assert.True((w * 2f).RequiresGrad);
        }
    }
}
