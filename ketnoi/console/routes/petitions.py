"""Console routes: petitions (issue 8): the queue, a petition and its actions, the business association's
oversight, and the business policy feed."""

from django.urls import path

from ..views import files
from ..views.petitions import actions, business, config, queue

urlpatterns: list = [
    path("petitions/", queue.PetitionQueueView.as_view(), name="petition_queue"),
    path("petitions/oversight/", business.OversightView.as_view(), name="petition_oversight"),
    path("petitions/set-up/", config.PetitionConfigView.as_view(), name="petition_config"),
    path("petitions/policies/", business.PolicyListView.as_view(), name="business_policy_list"),
    path("petitions/policies/<uuid:uuid>/", business.PolicyEditView.as_view(), name="business_policy_edit"),
    path("petitions/<uuid:uuid>/", queue.PetitionDetailView.as_view(), name="petition_detail"),
    path(
        "petitions/<uuid:uuid>/files/<uuid:attachment>/",
        files.PetitionAttachmentView.as_view(),
        name="petition_attachment",
    ),
    path("petitions/<uuid:uuid>/act/<slug:action>/", actions.PetitionActionView.as_view(), name="petition_act"),
]
