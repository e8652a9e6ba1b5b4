from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from brokerage.forms import postcode_field


class PostcodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: nothing changes

    postcode = postcode_field("Postcode", description="For example, HA0 1AB", required=True)
    submit = SubmitField("Find my ward", widget=GovSubmitInput())
